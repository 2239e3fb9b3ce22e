"""Scrapy settings for SellerWatch: polite by default, bounded, and resumable."""

BOT_NAME = "sellerwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "SellerWatchBot/0.1 (+https://github.com/sellerwatch/sellerwatch; seller-news monitor)"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle on, few requests per domain at once.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# A response yields a few documents or links, stored synchronously: Scrapy's default of 100
# parallel item slots only costs 100 asyncio tasks per response.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.25

# Bounds: no page may stall or swamp the crawl.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
DUPEFILTER_CLASS = "crawler.dupefilter.RedirectAwareDupeFilter"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SourceBoundsMiddleware": 50,
    "crawler.middlewares.RetryAfterMiddleware": 540,
    "crawler.middlewares.ConditionalRequestMiddleware": 560,
}
ITEM_PIPELINES = {
    "crawler.pipelines.validate.ValidatePipeline": 100,
    "crawler.pipelines.normalise.NormalisePipeline": 200,
    "crawler.pipelines.store.StorePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.CrawlRunRecorder": 100,
}

# SellerWatch's own settings.
SELLERWATCH_DB = None  # None: the SELLERWATCH_DB environment variable, else ./sellerwatch.sqlite
SELLERWATCH_RETRY_AFTER_MAX = 300  # seconds a 429's Retry-After may make a request wait
SELLERWATCH_EXTRACT_WORKERS = None  # processes extracting articles; None: one per core, 0: inline
