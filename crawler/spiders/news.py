"""The generic news spider: feeds, sitemaps and listing pages lead to articles."""

from __future__ import annotations

import asyncio
import atexit
import functools
import multiprocessing
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from datasketch import LeanMinHash
from scrapy import Request
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from crawler.extract.article import ExtractedArticle, extract_article, looks_like_article
from crawler.extract.dates import zone
from crawler.extract.decode import UndecodableError, decode_html
from crawler.extract.feeds import FeedError, Link, is_sitemap, parse_feed, parse_sitemap
from crawler.items import Document
from crawler.lifetime import die_with_parent
from crawler.middlewares import host_allowed
from crawler.pipelines.neardup import MIN_CHARS, minhash
from crawler.spiders.base import SourceSpider


class NewsSpider(SourceSpider):
    """Discovers articles of one news source and yields them as documents.

    A re-crawl fetches only what is new, changed (by feed/sitemap dates) or recent; listing
    pages stop paginating once a page brings nothing new, unless the last crawl was cut short.
    """

    name = "news"

    async def start(self) -> AsyncIterator[Request]:
        self.links = LinkExtractor(deny_extensions=[])
        self.queued: set[str] = set()
        for url in self.source.feeds:
            yield self.request(url, self.parse_feed, meta={"conditional": True}, priority=10)
        for url in self.source.sitemaps:
            yield self.request(url, self.parse_sitemap, meta={"conditional": True}, priority=10)
        for url in self.source.start_urls:
            yield self.request(url, self.parse_listing, meta={"page": 1}, priority=5)

    # ----- discovery -----------------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[Request]:
        if response.status == 304:
            return
        try:
            links, problem = parse_feed(response.body, response.url)
        except FeedError as exc:
            self.record_failure(response.url, exc.reason, str(exc))
            return
        if problem:  # keep the entries that could be read, and say the feed is broken
            self.record_failure(response.url, "malformed_feed", problem)
        self.crawler.stats.inc_value("pages/feeds")
        yield from self.follow_links(links)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if response.status == 304:
            return
        try:
            kind, links = parse_sitemap(response.body, response.url)
        except FeedError as exc:
            self.record_failure(response.url, exc.reason, str(exc))
            return
        self.crawler.stats.inc_value("pages/sitemaps")
        if kind == "index":
            for link in links:
                if host_allowed(link.url, self.allowed_hosts):
                    yield self.request(link.url, self.parse_sitemap, meta={"conditional": True})
            return
        yield from self.follow_links(links)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if not self.is_html(response):
            self.record_failure(response.url, "not_html", response.headers.get("Content-Type", b"").decode())
            return
        self.crawler.stats.inc_value("pages/listings")
        page = response.meta.get("page", 1)
        candidates = [
            link.url
            for link in self.links.extract_links(response)
            if host_allowed(link.url, self.allowed_hosts)
        ]
        article_regex = self.source.article_regex
        new_articles = 0
        for url in candidates:
            if article_regex and not article_regex.search(url):
                continue
            if self.should_fetch(Link(url=url)):
                new_articles += 1
                yield self.article_request(url)
        next_url = self.next_page(response)
        max_pages = self.source.max_pages
        stop_early = self.incremental and new_articles == 0 and page > 1
        if next_url and not stop_early and (max_pages is None or page < max_pages):
            yield self.request(next_url, self.parse_listing, meta={"page": page + 1})
        if not article_regex:
            # Without a URL pattern, any in-site link may be an article: judge it by content.
            for url in candidates:
                if url != next_url and self.should_fetch(Link(url=url)):
                    yield self.article_request(url, judge=True)

    def next_page(self, response: Response) -> str | None:
        for query in (
            'link[rel="next"]::attr(href)',
            'a[rel="next"]::attr(href)',
            "a.next::attr(href)",
            ".pagination a.next::attr(href)",
            ".nav-links a.next::attr(href)",
            "a.next-page::attr(href)",
            "li.next a::attr(href)",
        ):
            href = response.css(query).get()
            if href:
                return response.urljoin(href)
        return None

    def follow_links(self, links: list[Link]) -> Iterator[Request]:
        regex = self.source.article_regex
        for link in links:
            if not host_allowed(link.url, self.allowed_hosts):
                self.crawler.stats.inc_value("offsite/filtered")
                continue
            if regex and not regex.search(link.url):
                continue
            if self.should_fetch(link):
                yield self.article_request(link.url, lastmod=link.lastmod)

    def should_fetch(self, link: Link) -> bool:
        """New URLs, URLs whose feed/sitemap date moved, and recent articles are (re)fetched."""
        if link.url in self.queued:
            return False
        known = self.known.get(link.url)
        if known is None:
            self.queued.add(link.url)
            return True
        moved = link.lastmod is not None and link.lastmod > self.seen_version(known)
        if moved or self.is_recent(known.get("published")):
            self.queued.add(link.url)
            return True
        self.crawler.stats.inc_value("skipped/known")
        return False

    @staticmethod
    def seen_version(known: dict[str, Any]) -> datetime:
        """The newest version of a stored page we know: its recorded lastmod, else when we fetched it."""
        recorded = (known.get("extra") or {}).get("lastmod")
        return datetime.fromisoformat(recorded) if recorded else known["fetched_at"]

    def article_request(self, url: str, *, lastmod: Any = None, judge: bool = False) -> Request:
        return self.request(
            url,
            self.parse_article,
            meta={"conditional": url in self.known, "lastmod": lastmod, "judge": judge},
        )

    # ----- articles ------------------------------------------------------------------------
    async def parse_article(self, response: Response) -> AsyncIterator[Document]:
        judge = response.meta.get("judge", False)
        if response.status == 304:
            self.crawler.stats.inc_value("docs/not_modified")
            return
        self.crawler.stats.inc_value("pages/articles_fetched")
        if not self.is_html(response):
            if not judge:
                self.record_failure(
                    response.url, "not_html", response.headers.get("Content-Type", b"").decode("latin-1")
                )
            return
        if is_sitemap(response.body[:2048]):
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        job = (response.body, content_type, response.url, self.source.extraction, self.source.timezone)
        pool = self.extraction_pool()
        if pool is None:
            article, problem, signature = extract_and_sign(*job)
        else:  # extraction runs on the other cores while the reactor keeps downloading
            article, problem, signature = await asyncio.wrap_future(pool.submit(extract_and_sign, *job))
        if article is None:
            self.record_failure(response.url, "undecodable", problem or "")
            return
        if judge and not looks_like_article(article):
            self.crawler.stats.inc_value("pages/not_article")
            return
        lastmod = response.meta.get("lastmod")
        extra = {"tags": article.tags, "canonical_url": article.canonical_url, "fetched_url": response.url}
        if lastmod is not None:
            extra["lastmod"] = lastmod.isoformat()
        canonical = article.canonical_url
        if not canonical or not host_allowed(canonical, self.allowed_hosts):
            canonical = response.url  # a canonical on another site marks a syndicated copy
        yield Document(
            url=canonical,
            source=self.source.name,
            kind="news",
            title=article.title,
            text=article.text,
            author=article.author,
            published=article.published,
            updated=article.updated,
            language=article.language,
            platform=self.source.platform,
            extra=extra,
            signature=signature,
        )

    def extraction_pool(self) -> ProcessPoolExecutor | None:
        """Worker processes for extraction (SELLERWATCH_EXTRACT_WORKERS; 0 extracts inline)."""
        configured = self.crawler.settings.get("SELLERWATCH_EXTRACT_WORKERS")
        return extraction_pool(os.cpu_count() or 1 if configured is None else int(configured))


@functools.cache
def extraction_pool(workers: int) -> ProcessPoolExecutor | None:
    """One pool per process, shared by every news spider in it (a crawl runs one per source)."""
    if workers <= 0:
        return None
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent)
    atexit.register(pool.shutdown, wait=False, cancel_futures=True)
    return pool


def extract_page(
    body: bytes, content_type: str, url: str, overrides: dict[str, str], timezone: str | None
) -> tuple[ExtractedArticle | None, str | None]:
    """Decode and extract one page (runs in a worker process); an undecodable page says why."""
    try:
        page, _encoding = decode_html(body, content_type)
    except UndecodableError as exc:
        return None, str(exc)
    return extract_article(page, url, overrides=overrides, timezone=zone(timezone)), None


def extract_and_sign(
    body: bytes, content_type: str, url: str, overrides: dict[str, str], timezone: str | None
) -> tuple[ExtractedArticle | None, str | None, LeanMinHash | None]:
    """``extract_page`` and the text's near-duplicate signature, both off the reactor thread."""
    article, problem = extract_page(body, content_type, url, overrides, timezone)
    signature = minhash(article.text) if article is not None and len(article.text) > MIN_CHARS else None
    return article, problem, signature
