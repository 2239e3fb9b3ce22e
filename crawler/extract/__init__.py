"""Response → item, testable without a crawl: decoding, articles, feeds, sitemaps, forums."""
