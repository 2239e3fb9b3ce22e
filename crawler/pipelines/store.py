"""Store documents and forum posts; link near-duplicate texts across sources."""

from __future__ import annotations

import re
from dataclasses import asdict

from datasketch import MinHash, MinHashLSH

from crawler.items import Document
from crawler.middlewares import CrawlerComponent

_WORD = re.compile(r"\w+", re.UNICODE)
NUM_PERM = 64


def minhash(text: str) -> MinHash:
    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}
    signature = MinHash(num_perm=NUM_PERM, seed=7)
    signature.update_batch(s.encode("utf-8") for s in shingles)
    return signature


class StorePipeline(CrawlerComponent):
    """Upsert each document by canonical URL; a near-duplicate of another source's text is linked."""

    def open_spider(self) -> None:
        spider = self.spider
        self.lsh = MinHashLSH(threshold=0.85, num_perm=NUM_PERM)
        self.lsh_ids: set[str] = set()
        for doc in spider.store.iter_documents():
            if doc["kind"] == "news" and doc["near_duplicate_of"] is None:
                self._index(doc["id"], doc["text"])

    def _index(self, doc_id: str, text: str) -> None:
        if doc_id not in self.lsh_ids and len(text) > 200:
            self.lsh.insert(doc_id, minhash(text))
            self.lsh_ids.add(doc_id)

    def process_item(self, item: Document) -> Document:
        spider = self.spider
        stats = spider.crawler.stats
        fields = asdict(item)
        posts = fields.pop("posts")
        doc_id, outcome = spider.store.upsert_document(fields)
        stats.inc_value(f"docs/{outcome}")
        if outcome == "new" and item.kind == "news" and len(item.text) > 200:
            matches = [m for m in self.lsh.query(minhash(item.text)) if m != doc_id]
            if matches:
                spider.store.link_near_duplicate(doc_id, sorted(matches)[0])
                stats.inc_value("docs/near_duplicate")
            else:
                self._index(doc_id, item.text)
        if posts is not None:
            result = spider.store.upsert_posts(doc_id, posts)
            stats.inc_value("posts/new", result.new)
            stats.inc_value("posts/changed", result.changed)
            stats.inc_value("posts/deleted", result.deleted)
        return item
