"""The settings that turn a SellerWatch crawl into a distributed one."""

from __future__ import annotations

from typing import Any, Literal

Role = Literal["seed", "work"]


def redis_settings(
    redis_url: str,
    *,
    role: Role,
    prefix: str = "sellerwatch",
    run: str | None = None,
    idle_timeout: float = 60.0,
) -> dict[str, Any]:
    """Scrapy settings for seeding a run (``role="seed"``) or working on one (``"work"``).

    A seeder puts each source's start requests (feeds, sitemaps, listings) in the shared queue
    of ``run`` and stops; a worker takes requests from the newest run (or ``run``), and exits
    once every queue it serves has been empty, with nothing in flight, for ``idle_timeout`` s.
    """
    settings: dict[str, Any] = {
        "SCHEDULER": "crawler.distributed.scheduler.DistributedScheduler",
        "REDIS_URL": redis_url,
        "SELLERWATCH_REDIS_PREFIX": prefix,
        "SELLERWATCH_REDIS_ROLE": role,
        "SELLERWATCH_REDIS_RUN": run,
        "SELLERWATCH_IDLE_TIMEOUT": idle_timeout,
        "SPIDER_MIDDLEWARES": {"crawler.distributed.middleware.SettleLeaseMiddleware": 10},
    }
    if role == "seed":  # a seeder fetches nothing: it is not a crawl run of its sources
        settings["EXTENSIONS"] = {"crawler.extensions.CrawlRunRecorder": None}
    return settings
