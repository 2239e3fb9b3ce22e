"""Drop documents that cannot be classified, saying why."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import Document
from crawler.middlewares import CrawlerComponent


class ValidatePipeline(CrawlerComponent):
    def process_item(self, item: Document) -> Document:
        spider = self.spider
        if not item.title.strip():
            spider.record_failure(item.url, "no_title", "no title found on the page")
            raise DropItem(f"{item.url}: no title found")
        if not item.text.strip():
            spider.record_failure(item.url, "no_text", "no article text found on the page")
            raise DropItem(f"{item.url}: no article text found")
        return item
