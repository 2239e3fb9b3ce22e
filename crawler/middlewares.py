"""Downloader middlewares: stay inside a source's domains, wait out 429s, ask conditionally."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response


def host_allowed(url: str, allowed: tuple[str, ...]) -> bool:
    """True when the URL's host (and port, where an entry names one) is in ``allowed``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for entry in allowed:
        entry = entry.lower()
        if ":" in entry:
            name, port = entry.rsplit(":", 1)
            if host == name and str(parts.port or "") == port:
                return True
        elif host == entry or host.endswith("." + entry):
            return True
    return False


class CrawlerComponent:
    """A component that reaches its spider through the crawler (Scrapy ≥ 2.13 style)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlerComponent:
        return cls(crawler)

    @property
    def spider(self) -> Spider:
        return self.crawler.spider


class SourceBoundsMiddleware(CrawlerComponent):
    """Refuse requests outside the source's ``allowed_domains``, redirects included."""

    def process_request(self, request: Request) -> None:
        spider = self.spider
        allowed = getattr(spider, "allowed_hosts", ())
        if allowed and not host_allowed(request.url, allowed):
            if request.meta.get("redirect_times"):
                origin = (request.meta.get("redirect_urls") or ["?"])[0]
                spider.record_failure(origin, "offsite_redirect", f"redirected to {request.url}")
            else:
                spider.crawler.stats.inc_value("offsite/filtered")
            raise IgnoreRequest(f"offsite: {request.url} is outside {allowed}")


class RetryAfterMiddleware(CrawlerComponent):
    """Wait out ``429 Too Many Requests`` for as long as ``Retry-After`` asks, then retry once more."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_wait = crawler.settings.getfloat("SELLERWATCH_RETRY_AFTER_MAX", 300)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        spider = self.spider
        if response.status != 429:
            return response
        attempts = request.meta.get("retry_after_attempts", 0)
        if attempts >= 5:
            return response
        header = response.headers.get(b"Retry-After", b"").decode("latin-1").strip()
        wait = float(header) if header.replace(".", "", 1).isdigit() else 5.0
        wait = min(wait, self.max_wait)
        spider.crawler.stats.inc_value("throttle/429")
        spider.logger.info("429 from %s: waiting %.1fs as Retry-After asks", request.url, wait)
        await asyncio.sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_attempts"] = attempts + 1
        return retry


class ConditionalRequestMiddleware(CrawlerComponent):
    """Send ``If-None-Match``/``If-Modified-Since`` for pages seen before; record what came back.

    A spider opts a request in with ``meta["conditional"] = True``; it exposes
    ``page_states`` (URL → stored etag/last_modified) and ``store``.
    """

    def process_request(self, request: Request) -> None:
        spider = self.spider
        if not request.meta.get("conditional"):
            return
        state: dict[str, Any] = getattr(spider, "page_states", {}).get(request.url) or {}
        if state.get("etag"):
            request.headers.setdefault(b"If-None-Match", state["etag"])
        if state.get("last_modified"):
            request.headers.setdefault(b"If-Modified-Since", state["last_modified"])

    def process_response(self, request: Request, response: Response) -> Response:
        spider = self.spider
        if request.meta.get("conditional") and response.status in (200, 304):
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            if response.status == 200 and (etag or modified):
                spider.remember_page(
                    request.url,
                    etag=etag.decode("latin-1") if etag else None,
                    last_modified=modified.decode("latin-1") if modified else None,
                    status=response.status,
                )
            if response.status == 304:
                spider.crawler.stats.inc_value("pages/not_modified")
        return response
