"""SellerWatch's own Scrapy signals."""

request_done = object()
"""Sent when a request has been handled for good: ``request``, and ``reason`` (None when it
succeeded, else the failure reason recorded for it, such as ``timeout`` or ``http_404``)."""
