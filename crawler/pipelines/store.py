"""Store documents and forum posts; link near-duplicate texts across sources."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime

from datasketch import MinHash, MinHashLSH
from scrapy import Spider

from crawler.items import Document
from crawler.middlewares import CrawlerComponent
from store.db import now

_WORD = re.compile(r"\w+", re.UNICODE)
NUM_PERM = 64
NEAR_DUPLICATE_DAYS = 60
# Shingle overlap of a syndicated copy with its own lede or standfirst; independent reports of
# one event share far fewer word triples.
NEAR_DUPLICATE_JACCARD = 0.7


def minhash(text: str) -> MinHash:
    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}
    signature = MinHash(num_perm=NUM_PERM, seed=7)
    signature.update_batch(s.encode("utf-8") for s in shingles)
    return signature


class StorePipeline(CrawlerComponent):
    """Upsert each document by canonical URL; a near-duplicate of another source's text is linked.

    Syndicated copies appear within days of the original, so new texts are compared with the
    news of the last ``NEAR_DUPLICATE_DAYS`` days; that index is built on the first new document,
    so a re-crawl that finds nothing new never builds it.
    """

    lsh: MinHashLSH | None = None

    def lsh_index(self, spider: Spider) -> MinHashLSH:
        """The index, with whatever other spiders stored since it was last brought up to date."""
        if self.lsh is None:
            self.lsh = MinHashLSH(threshold=NEAR_DUPLICATE_JACCARD, num_perm=NUM_PERM)
            self.signatures: dict[str, MinHash] = {}
            self.seen_until = datetime.min.replace(tzinfo=UTC)
            rows = spider.store.recent_news_texts(NEAR_DUPLICATE_DAYS)
        else:
            rows = spider.store.recent_news_texts(NEAR_DUPLICATE_DAYS, after=self.seen_until)
        for doc_id, text, first_seen in rows:
            self._index(doc_id, text)
            self.seen_until = max(self.seen_until, first_seen)
        if self.seen_until == datetime.min.replace(tzinfo=UTC):  # nothing stored yet: start from now
            self.seen_until = now()
        return self.lsh

    def _index(self, doc_id: str, text: str) -> None:
        assert self.lsh is not None
        if doc_id not in self.signatures and len(text) > 200:
            self.signatures[doc_id] = minhash(text)
            self.lsh.insert(doc_id, self.signatures[doc_id])

    def process_item(self, item: Document) -> Document:
        spider = self.spider
        stats = spider.crawler.stats
        fields = asdict(item)
        posts = fields.pop("posts")
        doc_id, outcome = spider.store.upsert_document(fields)
        stats.inc_value(f"docs/{outcome}")
        if outcome == "new" and item.kind == "news" and len(item.text) > 200:
            signature = minhash(item.text)
            candidates = self.lsh_index(spider).query(signature)
            # LSH proposes; the estimated Jaccard similarity decides.
            matches = [
                m
                for m in candidates
                if m != doc_id and self.signatures[m].jaccard(signature) >= NEAR_DUPLICATE_JACCARD
            ]
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
