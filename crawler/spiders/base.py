"""What every SellerWatch spider shares: its source, its store, failure reasons, incremental state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawler.extract.dates import zone
from crawler.signals import request_done
from crawler.sources import Source
from store import Store

HTML_TYPES = (b"text/html", b"application/xhtml+xml")


def failure_reason(failure: Failure) -> tuple[str, str]:
    """A short reason and a detail for a failed request."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}", f"HTTP {exc.response.status}"
    name = type(exc).__name__
    if isinstance(exc, TimeoutError | TCPTimedOutError) or name == "DownloadTimeoutError":
        return "timeout", str(exc)
    if (isinstance(exc, CancelledError) or name == "DownloadCancelledError") and "max size" in str(exc):
        return "oversized", str(exc)
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if "max redirections" in text.lower():
            return "redirect_loop", text
        if "offsite" in text.lower():
            return "offsite_redirect", text
        if "robots.txt" in text.lower():
            return "robots_disallowed", text
        return "ignored", text
    if isinstance(exc, DNSLookupError | ConnectionRefusedError) or "Connection" in name or "DNS" in name:
        return "connection_error", str(exc)
    return type(exc).__name__.lower(), str(exc)


class SourceSpider(Spider):
    """A spider bound to one configured source and the store it writes to."""

    source: Source
    store: Store

    def __init__(
        self,
        source: Source | str,
        store_url: str | None = None,
        sources: str = "data/sources.toml",
        **kwargs: Any,
    ) -> None:
        """``source`` is a Source, or its name: ``scrapy crawl news -a source=NAME [-a sources=FILE]``."""
        super().__init__(name=f"{self.name}", **kwargs)
        if isinstance(source, str):
            from crawler.sources import load_sources, select_sources

            (source,) = select_sources(load_sources(sources), [source])
        self.source = source
        self.store_url = store_url
        self.allowed_hosts = source.allowed_domains
        self.timezone = zone(source.timezone)
        self.run_id: int = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = Store.open(spider.store_url or crawler.settings.get("SELLERWATCH_DB"))
        spider.known = spider.store.known_documents(spider.source.name)
        spider.page_states = spider.store.page_states(spider.source.name)
        spider.incremental = spider.store.last_run_finished(spider.source.name)
        return spider

    # ----- bookkeeping --------------------------------------------------------------------
    def record_failure(self, url: str, reason: str, detail: str = "") -> None:
        self.crawler.stats.inc_value(f"failures/{reason}")
        self.logger.warning("%s: %s (%s)", url, reason, detail[:200])
        if self.run_id:
            self.store.record_failure(self.run_id, url, reason, detail)

    def remember_page(self, url: str, **state: Any) -> None:
        self.store.record_page(url, self.source.name, **state)

    def on_error(self, failure: Failure) -> None:
        request = failure.request
        reason, detail = failure_reason(failure)
        if not (isinstance(failure.value, IgnoreRequest) and "offsite" in str(failure.value)):
            # (an offsite redirect is recorded by SourceBoundsMiddleware already)
            origin = (request.meta.get("redirect_urls") or [request.url])[0]  # the URL we asked for
            self.record_failure(origin, reason, detail)
        self.crawler.signals.send_catch_log(request_done, request=request, reason=reason)

    def request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        kwargs.setdefault("errback", self.on_error)
        return Request(url, callback=callback, **kwargs)

    def is_html(self, response: Response) -> bool:
        content_type = response.headers.get(b"Content-Type", b"").lower()
        if not content_type:
            return response.body[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))
        return any(kind in content_type for kind in HTML_TYPES)

    def is_recent(self, when: datetime | None) -> bool:
        if when is None:
            return False
        return when >= datetime.now(UTC) - timedelta(days=self.source.recent_days)
