"""Settle a request's lease once everything its callback produced has been handled."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.signals import request_done


class SettleLeaseMiddleware:
    """Spider middleware: a leased request is done when its callback's output is exhausted and
    every item of it has left the pipelines and every request of it is in the shared queue.

    Scrapy handles a callback's output concurrently, after the callback has yielded it, so the
    end of the output alone would settle the lease too early: a worker killed just then would
    lose the documents or links still in flight.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pending: Counter[str] = Counter()  # lease -> outputs not yet handled
        self.exhausted: dict[str, Request] = {}  # lease -> its request, once the output ended
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.item_handled, signal=signal)
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SettleLeaseMiddleware:
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        request = response.request
        lease = request.meta.get("lease") if request is not None else None
        try:
            async for element in result:
                if lease is not None:
                    self.pending[lease] += 1
                    if isinstance(element, Request):
                        element.meta["from_lease"] = lease
                yield element
        finally:
            if lease is not None and request is not None:
                self.exhausted[lease] = request
                self._settle_if_done(lease)

    def item_handled(self, response: Response | None = None, **_: Any) -> None:
        request = getattr(response, "request", None)
        if request is not None and (lease := request.meta.get("lease")) is not None:
            self.pending[lease] -= 1
            self._settle_if_done(lease)

    def request_scheduled(self, request: Request, **_: Any) -> None:
        if (lease := request.meta.pop("from_lease", None)) is not None:
            self.pending[lease] -= 1
            from twisted.internet import reactor

            # The engine puts the request in the queue right after this signal: settle after that.
            reactor.callLater(0, self._settle_if_done, lease)

    def _settle_if_done(self, lease: str) -> None:
        if lease in self.exhausted and self.pending[lease] <= 0:
            request = self.exhausted.pop(lease)
            del self.pending[lease]
            self.crawler.signals.send_catch_log(request_done, request=request, reason=None)
