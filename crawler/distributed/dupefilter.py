"""scrapy-redis's shared dupefilter, scoped to a run, that lets failed requests be tried again."""

from __future__ import annotations

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.dupefilter import is_redirect_hop


class RunDupeFilter(RFPDupeFilter):
    """Fingerprints of one run and source (key ``RunKeys.seen``, which expires with the run)."""

    def request_seen(self, request: Request) -> bool:
        return False if is_redirect_hop(request) else super().request_seen(request)

    def fingerprint_to_check(self, request: Request) -> str | None:
        """The fingerprint the queue tests and adds as it pushes ``request``; None for requests
        that are never filtered (``dont_filter``, redirect hops)."""
        if request.dont_filter or is_redirect_hop(request):
            return None
        return self.request_fingerprint(request)

    def forget(self, request: Request) -> None:
        """Drop ``request``'s fingerprint, so that it is fetched if it is found again."""
        self.server.srem(self.key, self.request_fingerprint(request))

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other workers share them (they expire with the run)."""
