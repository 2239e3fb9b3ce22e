"""Settle a request's lease once its callback's output has been handled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.signals import request_done


class SettleLeaseMiddleware:
    """Spider middleware: after a callback's last item and request, the request is done.

    Items go through SellerWatch's (synchronous) pipelines as they are yielded, so by the time
    the output is exhausted every document of the response is stored.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SettleLeaseMiddleware:
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        try:
            async for element in result:
                yield element
        finally:
            self._done(response.request)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self._done(response.request)

    def _done(self, request: Request | None) -> None:
        if request is not None:
            self.crawler.signals.send_catch_log(request_done, request=request, reason=None)
