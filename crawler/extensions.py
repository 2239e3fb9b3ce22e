"""Record each crawl as a run in the store, with its counts and every failure's reason."""

from __future__ import annotations

from scrapy import Spider, signals
from scrapy.crawler import Crawler


class CrawlRunRecorder:
    """Opens a crawl-run record when a spider starts and closes it with the crawl's counts."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        recorder = cls(crawler)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self, spider: Spider) -> None:
        spider.run_id = spider.store.start_run(spider.source.name)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        counts = {
            key: value
            for key, value in stats.items()
            if isinstance(value, int | float)
            and key.split("/")[0]
            in {
                "docs",
                "posts",
                "failures",
                "pages",
                "offsite",
                "throttle",
                "downloader",
                "item_dropped_count",
                "skipped",
            }
            and not key.startswith("downloader/request_method")
        }
        status = "finished" if reason == "finished" else f"closed:{reason}"
        spider.store.finish_run(spider.run_id, status, counts)
