"""SellerWatch: what marketplaces do to their sellers, from seller news and forums.

The notebook API lives in :mod:`sellerwatch.api`; the most used functions are re-exported here.
"""

from __future__ import annotations

__version__ = "0.1.0"

from sellerwatch.api import (
    documents,
    feed,
    incident_documents,
    incidents,
    plot_incident,
    relabel,
    timeline,
)

__all__ = [
    "documents",
    "feed",
    "incident_documents",
    "incidents",
    "plot_incident",
    "relabel",
    "timeline",
]
