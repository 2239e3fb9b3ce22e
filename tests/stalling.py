"""A Scrapy extension for tests: it blocks the crawl's reactor thread, as a hung call would."""

from __future__ import annotations

import time

from scrapy import signals
from scrapy.crawler import Crawler


class StallAfterItems:
    """After ``STALL_AFTER_ITEMS`` items, the reactor thread sleeps ``STALL_SECONDS``."""

    def __init__(self, crawler: Crawler) -> None:
        self.after = crawler.settings.getint("STALL_AFTER_ITEMS", 20)
        self.seconds = crawler.settings.getfloat("STALL_SECONDS", 600)
        self.items = 0
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StallAfterItems:
        return cls(crawler)

    def item_scraped(self) -> None:
        self.items += 1
        if self.items == self.after:
            time.sleep(self.seconds)
