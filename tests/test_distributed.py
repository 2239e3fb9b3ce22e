"""Distributed crawling: `crawl --redis` seeds, `worker` processes crawl, on real Redis and PostgreSQL.

Workers are the real command (`sellerwatch worker`) in their own processes; the site is a
generated news site on 127.0.0.1 whose server logs every request.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from crawler import settings as crawl_settings
from demoworld.generated import GeneratedSite, sources_toml
from store import schema
from tests.conftest import FAST_CRAWL, REDIS_URL

SELLERWATCH = [sys.executable, "-m", "sellerwatch.cli"]
WORKER_SETTINGS = {**FAST_CRAWL, "SELLERWATCH_EXTRACT_WORKERS": 0, "SELLERWATCH_WORKER_TTL": 4}


def _set(settings: dict[str, object]) -> list[str]:
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def seed(sources: Path, db: str, prefix: str) -> subprocess.CompletedProcess[str]:
    command = [*SELLERWATCH, "crawl", "--sources", str(sources), "--db", db]
    command += ["--redis", REDIS_URL, "--redis-prefix", prefix]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)


def start_worker(
    sources: Path, db: str, prefix: str, idle: float = 3.0, extra: dict[str, object] | None = None
) -> subprocess.Popen[str]:
    command = [*SELLERWATCH, "worker", "--sources", str(sources), "--db", db, "--redis", REDIS_URL]
    settings = {**WORKER_SETTINGS, **(extra or {})}
    command += ["--redis-prefix", prefix, "--idle-timeout", str(idle), *_set(settings)]
    # A session of its own, so that a test can kill the worker and its crawl process together.
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_all(workers: list[subprocess.Popen[str]], timeout: float = 600) -> list[str]:
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=timeout)
        assert worker.returncode == 0, f"worker exited {worker.returncode}:\n{out}\n{err[-3000:]}"
        outputs.append(out)
    return outputs


def stored(db: str) -> tuple[int, int]:
    """Documents stored, and distinct URLs among them."""
    engine = create_engine(db)
    with engine.connect() as conn:
        docs = schema.documents
        total = conn.execute(select(func.count()).select_from(docs)).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(docs.c.url)))).scalar_one()
    engine.dispose()
    return total, distinct


def article_hits(site: GeneratedSite) -> dict[int, int]:
    return {int(p[1:-5]): n for p, n in site.hits().items() if p.endswith(".html")}


def redis_keys(prefix: str) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    sizes = {}
    for key in client.scan_iter(f"{prefix}:*"):
        kind = client.type(key).decode()
        size = {"zset": client.zcard, "hash": client.hlen, "set": client.scard}.get(kind)
        sizes[key.decode().rsplit(":", 1)[1]] = size(key) if size else 1
    client.close()
    return sizes


@pytest.fixture
def sources_of(tmp_path: Path):
    def write(site: GeneratedSite) -> Path:
        path = tmp_path / "sources.toml"
        path.write_text(sources_toml(site), encoding="utf-8")
        return path

    return write


def test_three_workers_fetch_and_store_every_page_exactly_once(
    fresh_postgres: str, redis_prefix: str, sources_of
) -> None:
    with GeneratedSite(5000) as site:
        sources = sources_of(site)
        seeded = seed(sources, fresh_postgres, redis_prefix)
        assert "1 start requests" in seeded.stdout
        outputs = wait_all([start_worker(sources, fresh_postgres, redis_prefix) for _ in range(3)])
        hits = article_hits(site)
        sitemap_hits = site.hits()["/sitemap.xml"]
    assert sitemap_hits == 1
    assert sorted(hits) == list(range(5000)), "every page fetched"
    assert {n for n in hits.values()} == {1}, "no page fetched twice"
    assert stored(fresh_postgres) == (5000, 5000)
    # The work was shared, and the summaries add up to the whole site.
    new_per_worker = [int(out.splitlines()[1].split()[3]) for out in outputs]
    assert sum(new_per_worker) == 5000 and min(new_per_worker) > 0, new_per_worker
    left = redis_keys(redis_prefix)
    assert left.get("queue", 0) == 0 and left.get("leases", 0) == 0, left


def test_a_worker_killed_mid_crawl_loses_nothing(fresh_postgres: str, redis_prefix: str, sources_of) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    with GeneratedSite(1200) as site:
        sources = sources_of(site)
        seed(sources, fresh_postgres, redis_prefix)

        def held_by(crawl_pid: int | None) -> int:
            owners = client.scan_iter(f"{redis_prefix}:*:owners")
            return sum(f":{crawl_pid}:" in v.decode() for key in owners for v in client.hvals(key))

        # The victim starts first, so that it is surely working when it is killed (two workers
        # started with it could otherwise finish 1,200 pages before it got going).
        victim = start_worker(sources, fresh_postgres, redis_prefix)
        deadline = time.monotonic() + 180
        while held_by(crawl_pid := victim_crawl_pid(victim)) == 0:
            assert time.monotonic() < deadline, "the victim did not get going"
            time.sleep(0.05)
        others = [start_worker(sources, fresh_postgres, redis_prefix) for _ in range(2)]
        # Kill mid-crawl (100+ pages stored) while it holds requests.
        while stored(fresh_postgres)[0] < 100 or held_by(crawl_pid) == 0:
            assert time.monotonic() < deadline, "the crawl did not get going"
            time.sleep(0.05)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        held = held_by(crawl_pid)  # the leases it died with (its heartbeat key lapses in seconds)
        wait_all(others)
        hits = article_hits(site)
    client.close()
    assert held > 0, "the killed worker was holding requests when it died"
    assert sorted(hits) == list(range(1200)), "every page fetched despite the kill"
    assert stored(fresh_postgres) == (1200, 1200), "nothing lost, nothing stored twice"
    left = redis_keys(redis_prefix)
    assert left.get("queue", 0) == 0 and left.get("leases", 0) == 0, left


def test_a_hung_worker_gives_its_requests_to_the_others(
    fresh_postgres: str, redis_prefix: str, sources_of
) -> None:
    """A worker whose reactor blocks (a hung call) while its process lives stops its heartbeat
    after SELLERWATCH_REACTOR_STALL seconds; the other worker takes over its requests, finishes
    the run and exits by itself instead of waiting for the hung worker's leases forever."""
    hang = {
        "EXTENSIONS": json.dumps({**crawl_settings.EXTENSIONS, "tests.stalling.StallAfterItems": 500}),
        "STALL_AFTER_ITEMS": 20,
        "STALL_SECONDS": 600,
        "SELLERWATCH_REACTOR_STALL": 3,
    }
    with GeneratedSite(300) as site:
        sources = sources_of(site)
        seed(sources, fresh_postgres, redis_prefix)
        hung = start_worker(sources, fresh_postgres, redis_prefix, extra=hang)
        deadline = time.monotonic() + 120
        while stored(fresh_postgres)[0] < 20:
            assert time.monotonic() < deadline, "the crawl did not get going"
            time.sleep(0.1)
        healthy = start_worker(sources, fresh_postgres, redis_prefix)
        try:
            wait_all([healthy], timeout=300)
            assert hung.poll() is None, "the hung worker is still alive, its reactor blocked"
        finally:
            os.killpg(hung.pid, signal.SIGKILL)
            _, err = hung.communicate(timeout=30)
    assert stored(fresh_postgres) == (300, 300), "every page stored once, the hung worker's too"
    assert "has not run for" in err, "the hung worker said why it let its requests go"


def victim_crawl_pid(worker: subprocess.Popen[str]) -> int | None:
    """The crawl process (``python -m crawler.run``) a ``sellerwatch worker`` started, if yet."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return int(children[0]) if children else None


def test_next_days_run_refetches_changed_pages(fresh_postgres: str, redis_prefix: str, sources_of) -> None:
    with GeneratedSite(200) as site:
        sources = sources_of(site)
        seed(sources, fresh_postgres, redis_prefix)
        wait_all([start_worker(sources, fresh_postgres, redis_prefix) for _ in range(2)])
        assert set(article_hits(site).values()) == {1}
        edited = list(range(0, 200, 20))
        site.edit(edited, datetime.now(UTC))
        # The next night, cron starts the workers a little before the seeder: they join the
        # finished run, then move to the new one when it is seeded.
        workers = [start_worker(sources, fresh_postgres, redis_prefix, idle=12) for _ in range(2)]
        time.sleep(2)
        seed(sources, fresh_postgres, redis_prefix)
        wait_all(workers)
        hits = article_hits(site)
    assert {i for i, n in hits.items() if n == 2} == set(edited), "changed pages fetched again"
    assert {n for i, n in hits.items() if i not in edited} == {1}, "unchanged pages not fetched again"
    engine = create_engine(fresh_postgres)
    with engine.connect() as conn:
        texts = dict(conn.execute(select(schema.documents.c.url, schema.documents.c.text)).all())
    engine.dispose()
    updated = {int(re.search(r"story-(\d+)", url)[1]) for url, text in texts.items() if "Update 1:" in text}
    assert updated == set(edited)


def test_workers_wait_for_a_run_then_exit_when_the_queue_stays_empty(
    fresh_postgres: str, redis_prefix: str, sources_of
) -> None:
    with GeneratedSite(30) as site:
        sources = sources_of(site)
        early = start_worker(sources, fresh_postgres, redis_prefix, idle=20)  # before anything is seeded
        time.sleep(3)
        assert early.poll() is None, "a worker waits for a run to be seeded"
        seed(sources, fresh_postgres, redis_prefix)
        started = time.monotonic()
        (out,) = wait_all([early], timeout=120)
        elapsed = time.monotonic() - started
    assert "30 new documents" in out
    assert elapsed < 60, f"the worker exited by itself ({elapsed:.0f} s after seeding)"


def test_a_failed_request_is_forgotten_and_a_dead_workers_lease_given_back(redis_prefix: str) -> None:
    """At the queue level: what a dead worker held returns to the queue; failures are not 'seen'."""
    import redis
    from scrapy import Request, Spider

    from crawler.distributed.dupefilter import RunDupeFilter
    from crawler.distributed.keys import RunKeys, alive_prefix
    from crawler.distributed.queue import LeasedPriorityQueue

    class Probe(Spider):
        name = "probe"

        def parse(self, response: object) -> None:
            pass

    server = redis.Redis.from_url(REDIS_URL)
    keys = RunKeys(redis_prefix, "run1", "probe")
    spider = Probe()
    alive, dead = (LeasedPriorityQueue(server, spider, keys, worker) for worker in ("alive-1", "dead-1"))
    server.set(alive_prefix(redis_prefix) + "alive-1", "1", ex=60)
    for n in range(4):
        alive.push(Request(f"http://127.0.0.1/{n}", callback=spider.parse))
    queued = server.zrange(keys.queue, 0, 0)[0]
    assert json.loads(queued)["callback"] == "parse", "requests are queued as JSON, never pickled"
    mine, lost = alive.pop(), dead.pop()
    assert mine is not None and lost is not None and len(alive) == 2 and alive.in_flight() == 2
    assert alive.give_back() == 1, "only the dead worker's lease returns"
    assert len(alive) == 3 and alive.in_flight() == 1
    alive.settle(mine.meta["lease"])
    assert alive.in_flight() == 0
    returned = [alive.pop() for _ in range(3)]
    assert lost.url in {r.url for r in returned if r is not None}

    seen = RunDupeFilter(server, key=keys.seen)
    request = Request("http://127.0.0.1/flaky")
    assert not seen.request_seen(request) and seen.request_seen(request)
    seen.forget(request)
    assert not seen.request_seen(request), "a forgotten failure can be fetched again"
    server.close()


def test_a_request_that_keeps_killing_workers_is_set_aside(redis_prefix: str) -> None:
    import redis
    from scrapy import Request, Spider

    from crawler.distributed.keys import RunKeys
    from crawler.distributed.queue import MAX_REDELIVERIES, LeasedPriorityQueue

    class Probe(Spider):
        name = "probe"

    server = redis.Redis.from_url(REDIS_URL)
    keys = RunKeys(redis_prefix, "run1", "probe")
    queue = LeasedPriorityQueue(server, Probe(), keys, "doomed-worker")  # never sends a heartbeat
    queue.push(Request("http://127.0.0.1/huge-page"))
    for _ in range(MAX_REDELIVERIES):
        assert queue.pop() is not None
        assert queue.give_back() == 1, "a dead worker's request is tried again"
    assert queue.pop() is not None
    assert queue.give_back() == 0 and len(queue) == 0 and queue.in_flight() == 0
    assert server.llen(keys.poisoned) == 1, "after the last try it is set aside, not lost"
    server.close()


def test_a_push_marks_seen_queues_and_settles_in_one_step(redis_prefix: str) -> None:
    """Seen-marking and queueing are one Redis step (a worker killed between the two would leave
    a request seen but never queued: lost); a redirect's push settles the request it continues."""
    import redis
    from scrapy import Request, Spider

    from crawler.distributed.dupefilter import RunDupeFilter
    from crawler.distributed.keys import RunKeys
    from crawler.distributed.queue import LeasedPriorityQueue

    class Probe(Spider):
        name = "probe"

    server = redis.Redis.from_url(REDIS_URL)
    keys = RunKeys(redis_prefix, "run1", "probe")
    queue = LeasedPriorityQueue(server, Probe(), keys, "worker-1")
    seen = RunDupeFilter(server, key=keys.seen)
    page = Request("http://127.0.0.1/page")
    fingerprint = seen.fingerprint_to_check(page)
    assert fingerprint is not None
    assert queue.push_once(page, fingerprint) and len(queue) == 1
    assert server.sismember(keys.seen, fingerprint), "queued and marked seen together"
    assert not queue.push_once(page.copy(), fingerprint) and len(queue) == 1, "a duplicate is not queued"

    leased = queue.pop()
    assert leased is not None and queue.in_flight() == 1
    hop = leased.replace(url="http://127.0.0.1/moved", meta={"redirect_times": 1})
    assert seen.fingerprint_to_check(hop) is None, "redirect hops are left to the redirect limit"
    assert queue.push_once(hop, None, settles=leased.meta["lease"])
    assert queue.in_flight() == 0 and len(queue) == 1, "the redirect is queued, its origin settled"
    server.close()
