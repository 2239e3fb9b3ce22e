"""scrapy-redis's scheduler, bound to one source of one run, with leases, heartbeats and idle exit."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis import connection
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler.distributed.dupefilter import RunDupeFilter
from crawler.distributed.keys import RunKeys, alive_prefix, current_run
from crawler.distributed.queue import MAX_REDELIVERIES, LeasedPriorityQueue
from crawler.signals import request_done

logger = logging.getLogger(__name__)

# Failures worth another try if the page turns up again in the same run.
TRANSIENT_FAILURES = ("timeout", "connection_error", "http_429", "http_5")


class DistributedScheduler(Scheduler):
    """Queue and dupefilter of ``spider.source`` in the shared run, per scrapy-redis.

    - Seeder (``SELLERWATCH_REDIS_ROLE = "seed"``): enqueues the start requests and hands out
      nothing, so the seeding crawl ends at once.
    - Worker: pops requests under a lease (settled when the request is done), keeps a heartbeat
      key alive, gives back the leases of workers whose heartbeat expired, and lets the spider
      close once the queue has been empty with nothing in flight for SELLERWATCH_IDLE_TIMEOUT.
    """

    def __init__(self, crawler: Crawler, server: Any) -> None:
        super().__init__(server, persist=True)
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.prefix: str = settings.get("SELLERWATCH_REDIS_PREFIX", "sellerwatch")
        self.role: str = settings.get("SELLERWATCH_REDIS_ROLE", "work")
        self.run: str | None = settings.get("SELLERWATCH_REDIS_RUN")
        self.idle_timeout = settings.getfloat("SELLERWATCH_IDLE_TIMEOUT", 60.0)
        self.lease_ttl = settings.getint("SELLERWATCH_WORKER_TTL", 15)
        # A reactor that has not run for this long is hung (a blocked call): the heartbeat stops,
        # so that other workers take over this worker's requests and the run can end.
        self.stall_after = settings.getfloat("SELLERWATCH_REACTOR_STALL", 300.0)
        self.reactor_tick = time.monotonic()
        self.run_ttl = settings.getint("SELLERWATCH_REDIS_RUN_TTL", 3 * 24 * 3600)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.idle_since: float | None = None
        self.heartbeat: LoopingCall | None = None
        self.stopping = threading.Event()
        self.queue: LeasedPriorityQueue | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedScheduler:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("DistributedScheduler needs REDIS_URL")
        server = connection.from_settings(crawler.settings)
        server.ping()
        scheduler = cls(crawler, server)
        crawler.signals.connect(scheduler.request_done, signal=request_done)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # ----- run and keys ----------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        if self.role == "seed" and not self.run:
            raise NotConfigured(
                "a seeding crawl needs SELLERWATCH_REDIS_RUN (see crawler.distributed.start_run)"
            )
        if self.role == "work":
            threading.Thread(target=self.keep_alive, name="sellerwatch-heartbeat", daemon=True).start()
            self.heartbeat = LoopingCall(self.beat)
            self.heartbeat.start(max(self.lease_ttl / 3, 0.5), now=True)
        self.join_run()

    def keep_alive(self) -> None:
        """Hold this worker's heartbeat key while the process lives and its reactor runs.

        A thread of its own, so that a reactor busy for a while (building the near-duplicate
        index, say) does not make a live worker look dead and its requests fetched twice; but a
        reactor silent for ``stall_after`` seconds is hung, and its leases are let go.
        """
        key = alive_prefix(self.prefix) + self.worker
        stalled = False
        while not self.stopping.is_set():
            silent = time.monotonic() - self.reactor_tick
            if silent < self.stall_after:
                self.server.set(key, "1", ex=self.lease_ttl)
                stalled = False
            elif not stalled:
                stalled = True
                logger.error(
                    "%s: the crawl has not run for %.0f s (a blocked call?): letting other "
                    "workers take over its requests",
                    self.spider.source.name,
                    silent,
                )
            self.stopping.wait(self.lease_ttl / 3)

    def join_run(self) -> bool:
        """Bind to the configured or newest run; False while nothing has been seeded yet."""
        if self.queue is not None:
            return True
        run = self.run or current_run(self.server, self.prefix)
        if run is None:
            return False
        keys = RunKeys(self.prefix, run, self.spider.source.name)
        self.queue = LeasedPriorityQueue(self.server, self.spider, keys, self.worker)
        self.df = RunDupeFilter(self.server, key=keys.seen)
        if self.role == "work" and len(self.queue):
            logger.info("%s: joining run %s (%d requests queued)", keys.source, run, len(self.queue))
        return True

    def close(self, reason: str) -> None:
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        self.stopping.set()
        if self.queue is not None:
            self.queue.give_back(self.worker)  # what this worker had not finished
            self._expire_run_keys()
            self._report_poisoned()
        self.server.delete(alive_prefix(self.prefix) + self.worker)

    def beat(self) -> None:
        """Keep the run's keys from expiring, and give back the leases of dead workers."""
        self.reactor_tick = time.monotonic()
        if self.join_run() and self.queue is not None:
            self._expire_run_keys()
            if returned := self.queue.give_back():
                logger.warning("%s: %d requests of a dead worker re-queued", self.queue.keys.source, returned)
                self.stats.inc_value("scheduler/recovered/redis", returned)

    def _report_poisoned(self) -> None:
        """Record requests set aside because every worker holding them died (one worker reports each)."""
        assert self.queue is not None
        while data := self.server.lpop(self.queue.keys.poisoned):
            request = self.queue._decode_request(data)
            detail = f"set aside after {MAX_REDELIVERIES + 1} workers died holding it"
            self.spider.record_failure(request.url, "killed_workers", detail)

    def _expire_run_keys(self) -> None:
        assert self.queue is not None
        pipe = self.server.pipeline()
        for key in self.queue.keys.all():
            pipe.expire(key, self.run_ttl)
        pipe.execute()

    # ----- Scrapy's scheduler interface ------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        lease = request.meta.pop("lease", None)  # a redirect or retry continues a leased request
        if self.role == "work" and lease is None and request.meta.get("is_start_request"):
            return False  # the seeder queued the start requests; a worker only takes from the queue
        if not self.join_run():
            raise RuntimeError("no distributed run to enqueue into")
        assert self.queue is not None
        queued = self.queue.push_once(request, self.df.fingerprint_to_check(request), settles=lease)
        if queued:
            self.stats.inc_value("scheduler/enqueued/redis")
        else:
            self.df.log(request, self.spider)
        return queued

    def next_request(self) -> Request | None:
        if self.role == "seed" or not self.join_run():
            return None
        assert self.queue is not None
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
            self.idle_since = None
        return request

    def has_pending_requests(self) -> bool:
        return self.role == "work" and self.queue is not None and len(self.queue) > 0

    # ----- completion and idleness -----------------------------------------------------------
    def request_done(self, request: Request, reason: str | None) -> None:
        if self.queue is None:
            return
        if lease := request.meta.pop("lease", None):
            self.queue.settle(lease)
        if reason is not None and reason.startswith(TRANSIENT_FAILURES):
            self.df.forget(request)  # a later link to it in this run may try again

    def spider_idle(self, spider: Spider) -> None:
        """Keep a worker open while its source's run has work queued or in flight anywhere."""
        if self.role == "seed":
            return
        if self.join_run() and self.queue is not None:
            self.queue.give_back()
            if len(self.queue) or self.queue.in_flight():
                self.idle_since = None
                raise DontCloseSpider
            if not self.run and current_run(self.server, self.prefix) != self.queue.keys.run:
                # Started before tonight's seeding, this worker joined yesterday's finished run.
                self.queue = None
                self.idle_since = None
                raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider
        logger.info("%s: idle for %.0f s, closing", spider.source.name, now - self.idle_since)
