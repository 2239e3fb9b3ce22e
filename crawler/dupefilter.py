"""Duplicate filtering that leaves redirect hops to the redirect limit."""

from __future__ import annotations

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter


def is_redirect_hop(request: Request) -> bool:
    """Whether ``request`` was made by following a redirect.

    Such hops are not filtered, so a redirect loop ends at REDIRECT_MAX_TIMES and is recorded
    as ``redirect_loop`` instead of vanishing silently in the duplicate filter.
    """
    return bool(request.meta.get("redirect_times"))


class RedirectAwareDupeFilter(RFPDupeFilter):
    """Scrapy's fingerprint filter, with redirect hops let through (see ``is_redirect_hop``)."""

    def request_seen(self, request: Request) -> bool:
        return False if is_redirect_hop(request) else super().request_seen(request)
