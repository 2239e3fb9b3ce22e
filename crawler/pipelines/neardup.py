"""Near-duplicate texts across sources: MinHash LSH over word triples, verified by estimated Jaccard.

Syndicated copies appear within days of the original, so a new text is compared with the news
of the last ``NEAR_DUPLICATE_DAYS`` days. One index serves every spider of a process (a crawl
runs one spider per source); it is built on the first new document, so a re-crawl that finds
nothing new never builds it, and it catches up with what other processes (distributed workers)
stored at most every ``CATCH_UP_SECONDS``, and once more when a spider closes. Two processes
that store copies of one text within the same interval do not see each other's; whichever catches
up first links the later-stored copy to the earlier one — the same decision in every process.
The news spider computes a new text's signature in its extraction worker (``minhash``), so the
crawl's reactor thread only looks it up.
"""

from __future__ import annotations

import functools
import re
import time
import unicodedata
from datetime import UTC, datetime, timedelta

from datasketch import LeanMinHash, MinHash, MinHashLSH

from store import Store
from store.db import now

_WORD = re.compile(r"\w+", re.UNICODE)
NUM_PERM = 64
NEAR_DUPLICATE_DAYS = 60
# Shingle overlap of a syndicated copy with its own lede or standfirst; independent reports of
# one event share far fewer word triples.
NEAR_DUPLICATE_JACCARD = 0.7
MIN_CHARS = 200  # shorter texts are too short to call copies
CATCH_UP_SECONDS = 2.0
# Catch-ups re-read this much before the newest first-seen time they saw: a document is stamped
# just before its transaction commits, so one committed late can carry an older time.
CATCH_UP_OVERLAP = timedelta(seconds=30)


def minhash(text: str) -> LeanMinHash:
    """The signature of ``text``'s word triples; layout and Unicode form (NFC or not) do not change it."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    shingles = {" ".join(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}
    signature = MinHash(num_perm=NUM_PERM, seed=7)
    signature.update_batch(s.encode("utf-8") for s in shingles)
    return LeanMinHash(signature)  # hash values only: a third of the memory in the index


class NearDuplicateIndex:
    """The recent news of one store, indexed for near-duplicate lookups."""

    def __init__(self, store: Store, catch_up_seconds: float = CATCH_UP_SECONDS) -> None:
        self.store = store
        self.catch_up_seconds = catch_up_seconds
        self.lsh: MinHashLSH | None = None
        self.signatures: dict[str, LeanMinHash] = {}
        self.seen_until = datetime.min.replace(tzinfo=UTC)
        self.caught_up_at = float("-inf")
        self.reconciled = 0  # copies linked on catching up with other processes

    def original_of(self, doc_id: str, text: str, signature: LeanMinHash | None = None) -> str | None:
        """The id of an earlier document ``text`` copies, else None (and ``doc_id`` is indexed).

        ``signature`` is ``minhash(text)`` where the caller has it already.
        """
        if len(text) <= MIN_CHARS:
            return None
        if signature is None:
            signature = minhash(text)
        self._current(pending=doc_id)
        matches = self._matches(doc_id, signature)
        if matches:
            return matches[0]
        self._add(doc_id, signature)
        return None

    def catch_up(self) -> None:
        """Take in what other processes stored since the last catch-up, now (a spider closing)."""
        if self.lsh is not None:
            self.caught_up_at = float("-inf")
            self._current()

    def _current(self, pending: str | None = None) -> MinHashLSH:
        """The index, with what was stored elsewhere since it was last brought up to date
        (except ``pending``: stored here, and being looked up)."""
        if self.lsh is None:
            self.lsh = MinHashLSH(threshold=NEAR_DUPLICATE_JACCARD, num_perm=NUM_PERM)
            rows = self.store.recent_news_texts(NEAR_DUPLICATE_DAYS)
            if not rows:  # nothing stored yet: what comes later is caught up from now on
                self.seen_until = now()
        elif time.monotonic() - self.caught_up_at >= self.catch_up_seconds:
            rows = self.store.recent_news_texts(
                NEAR_DUPLICATE_DAYS, after=self.seen_until - CATCH_UP_OVERLAP, known=self.signatures
            )
        else:
            return self.lsh
        for doc_id, text, first_seen in rows:
            fresh = doc_id not in self.signatures and doc_id != pending
            if fresh and text is not None and len(text) > MIN_CHARS:
                self._take_in(doc_id, minhash(text))
            self.seen_until = max(self.seen_until, first_seen)
        self.caught_up_at = time.monotonic()
        return self.lsh

    def _take_in(self, doc_id: str, signature: LeanMinHash) -> None:
        """Index a document stored elsewhere; if it and an indexed one copy each other, link the
        later-stored to the earlier, and keep the earlier in the index."""
        matches = self._matches(doc_id, signature)
        if not matches:
            self._add(doc_id, signature)
            return
        order = self.store.oldest_first([doc_id, matches[0]])
        if len(order) < 2:  # the indexed one is no longer stored
            self._remove(matches[0])
            self._add(doc_id, signature)
            return
        original, copy = order
        self.store.link_near_duplicate(copy, original)
        self.reconciled += 1
        if copy != doc_id:  # the indexed one was the copy: the newcomer takes its place
            self._remove(copy)
            self._add(doc_id, signature)

    def _matches(self, doc_id: str, signature: LeanMinHash) -> list[str]:
        assert self.lsh is not None
        return sorted(
            m
            for m in self.lsh.query(signature)
            if m != doc_id and self.signatures[m].jaccard(signature) >= NEAR_DUPLICATE_JACCARD
        )

    def _add(self, doc_id: str, signature: LeanMinHash) -> None:
        assert self.lsh is not None
        if doc_id not in self.signatures:
            self.signatures[doc_id] = signature
            self.lsh.insert(doc_id, signature)

    def _remove(self, doc_id: str) -> None:
        assert self.lsh is not None
        if self.signatures.pop(doc_id, None) is not None:
            self.lsh.remove(doc_id)


@functools.cache
def near_duplicate_index(store_url: str) -> NearDuplicateIndex:
    """The process's index for the store at ``store_url``."""
    return NearDuplicateIndex(Store.open(store_url))
