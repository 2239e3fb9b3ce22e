"""Store documents and forum posts; link near-duplicate texts across sources."""

from __future__ import annotations

from dataclasses import asdict

from crawler.items import Document
from crawler.middlewares import CrawlerComponent
from crawler.pipelines.neardup import NearDuplicateIndex, near_duplicate_index


class StorePipeline(CrawlerComponent):
    """Upsert each document by canonical URL; a near-duplicate of another source's text is linked
    to the earlier one (see ``crawler.pipelines.neardup``), never thrown away."""

    @property
    def index(self) -> NearDuplicateIndex:
        """The process's near-duplicate index of this spider's store."""
        return near_duplicate_index(self.spider.store.engine.url.render_as_string(hide_password=False))

    def close_spider(self) -> None:
        """Catch up with what other processes stored meanwhile, so that a copy stored there in
        the same moment as one stored here is linked before this process ends."""
        if getattr(self.spider, "store", None) is None:  # the spider never got as far as its store
            return
        index = self.index
        before = index.reconciled
        index.catch_up()
        if index.reconciled > before:
            self.spider.crawler.stats.inc_value("docs/near_duplicate", index.reconciled - before)

    def process_item(self, item: Document) -> Document:
        spider = self.spider
        stats = spider.crawler.stats
        fields = asdict(item)
        posts = fields.pop("posts")
        fields.pop("signature")
        doc_id, outcome = spider.store.upsert_document(fields)
        stats.inc_value(f"docs/{outcome}")
        if outcome == "new" and item.kind == "news":
            original = self.index.original_of(doc_id, item.text, item.signature)
            if original is not None:
                spider.store.link_near_duplicate(doc_id, original)
                stats.inc_value("docs/near_duplicate")
        if posts is not None:
            result = spider.store.upsert_posts(doc_id, posts)
            stats.inc_value("posts/new", result.new)
            stats.inc_value("posts/changed", result.changed)
            stats.inc_value("posts/deleted", result.deleted)
        return item
