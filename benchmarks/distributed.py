"""Distributed crawling: pages/s with 1, 2 and 4 workers, and Redis memory per request and fingerprint.

    python -m benchmarks.distributed [--pages 3000] [--workers 1 2 4]

Needs PostgreSQL and Redis on 127.0.0.1 (a database and a key prefix of its own, removed after).
A generated site of N article pages on 127.0.0.1 is seeded with ``sellerwatch crawl --redis``
and crawled by K ``sellerwatch worker`` processes into PostgreSQL. The baseline, measured in
the same run, is the single-machine ``sellerwatch crawl`` of the same site into PostgreSQL.
Each run also reports how busy the machine's cores were (Linux ``/proc/stat``): where one
process already keeps them busy, more workers on the same machine cannot go faster. So, where
``taskset`` exists, the workers also run pinned to one core each (with one extraction process):
one core per worker stands in for one machine per worker.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from sqlalchemy import create_engine, func, select, text

from demoworld.generated import GeneratedSite, sources_toml
from store import Store, schema

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
FAST = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}
SELLERWATCH = [sys.executable, "-m", "sellerwatch.cli"]


@contextmanager
def scratch_database() -> Iterator[str]:
    name = f"sellerwatch_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    Store.open(url).close()  # the schema, so that progress can be polled from the start
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname='{name}'")
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def drop_prefix(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def stored(db: str) -> int:
    engine = create_engine(db)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.documents)).scalar_one()
    engine.dispose()
    return count


def settings_args(extra: dict[str, object]) -> list[str]:
    return [a for name, value in {**FAST, **extra}.items() for a in ("-s", f"{name}={value}")]


def cpu_ticks() -> tuple[int, int]:
    """Busy and total CPU ticks of the whole machine so far (Linux ``/proc/stat``)."""
    fields = Path("/proc/stat").read_text().split()[1:9]
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, fields)
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def time_until_stored(
    db: str, pages: int, processes: list[subprocess.Popen[bytes]], start: float
) -> tuple[float, float]:
    """Seconds from ``start`` until every page is stored (workers then idle out on their own),
    and the share of the machine's CPU time that was busy meanwhile."""
    busy, total = cpu_ticks()
    while stored(db) < pages:
        if all(p.poll() is not None for p in processes):
            raise SystemExit(f"the crawl ended with {stored(db)} of {pages} pages stored")
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    busy_now, total_now = cpu_ticks()
    return seconds, (busy_now - busy) / max(total_now - total, 1)


def single_machine(sources: Path, pages: int) -> tuple[float, float]:
    with scratch_database() as db:
        start = time.perf_counter()
        command = [*SELLERWATCH, "crawl", "--sources", str(sources), "--db", db, *settings_args({})]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        measured = time_until_stored(db, pages, [process], start)
        process.wait()
        return measured


def distributed(
    sources: Path, pages: int, workers: int, client: redis.Redis, *, pinned: bool = False
) -> tuple[float, float]:
    """Seed a run, start ``workers`` workers; with ``pinned``, worker i and its one extraction
    process run on core i only, as if each worker had a one-core machine of its own."""
    prefix = f"sellerwatch-bench-{uuid.uuid4().hex[:8]}"
    common = ["--sources", str(sources), "--redis", REDIS_URL, "--redis-prefix", prefix]
    try:
        with scratch_database() as db:
            subprocess.run(
                [*SELLERWATCH, "crawl", *common, "--db", db], check=True, stdout=subprocess.DEVNULL
            )
            start = time.perf_counter()
            command = [*SELLERWATCH, "worker", *common, "--db", db, "--idle-timeout", "2"]
            if pinned:
                command += settings_args({"SELLERWATCH_EXTRACT_WORKERS": 1})
            else:  # each worker extracts in a process per core, as by default
                command += settings_args({})
            processes = [
                subprocess.Popen(
                    ["taskset", "-c", str(i), *command] if pinned else command,
                    stdout=subprocess.DEVNULL,
                )
                for i in range(workers)
            ]
            measured = time_until_stored(db, pages, processes, start)
            for process in processes:
                process.wait()
            return measured
    finally:
        drop_prefix(client, prefix)


def redis_memory(client: redis.Redis, requests: int, fingerprints: int) -> tuple[float, float]:
    """Bytes per queued request (a real serialised article request) and per dupefilter fingerprint."""
    from scrapy import Request

    from crawler.distributed.dupefilter import RunDupeFilter
    from crawler.distributed.keys import RunKeys
    from crawler.distributed.queue import LeasedPriorityQueue
    from crawler.sources import Source
    from crawler.spiders.news import NewsSpider

    prefix = f"sellerwatch-bench-{uuid.uuid4().hex[:8]}"
    keys = RunKeys(prefix, "run", "bench")
    spider = NewsSpider(Source(name="bench", kind="news", start_urls=("https://news.example.com/",)))
    queue = LeasedPriorityQueue(client, spider, keys, "bench")
    seen = RunDupeFilter(client, key=keys.seen)
    try:
        pipe = client.pipeline(transaction=False)
        for n in range(requests):
            url = f"https://news.example.com/2026/11/{n % 28 + 1:02d}/marketplace-story-{n}/"
            request = Request(url, callback=spider.parse_article, errback=spider.on_error)
            request.meta.update({"conditional": False, "lastmod": None, "judge": False})
            pipe.zadd(keys.queue, {queue._encode_request(request): -request.priority})
            if n % 5000 == 4999:
                pipe.execute()
        pipe.execute()
        per_request = client.memory_usage(keys.queue, samples=0) / requests
        for start in range(0, fingerprints, 10_000):
            batch = [
                seen.request_fingerprint(Request(f"https://news.example.com/a/{n}"))
                for n in range(start, min(start + 10_000, fingerprints))
            ]
            client.sadd(keys.seen, *batch)
        per_fingerprint = client.memory_usage(keys.seen, samples=0) / fingerprints
        return per_request, per_fingerprint
    finally:
        drop_prefix(client, prefix)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument(
        "--requests", type=int, default=100_000, help="queued requests to size (default 100k)"
    )
    parser.add_argument(
        "--fingerprints", type=int, default=1_000_000, help="fingerprints to size (default 1M)"
    )
    args = parser.parse_args()
    client = redis.Redis.from_url(REDIS_URL)
    with tempfile.TemporaryDirectory() as tmp, GeneratedSite(args.pages) as site:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(sources_toml(site, "bench"), encoding="utf-8")
        site.prerender()  # the site's own server should cost the cores as little as possible
        seconds, busy = single_machine(sources, args.pages)
        baseline = args.pages / seconds
        print(
            f"baseline: single-machine crawl into PostgreSQL   {baseline:7.1f} pages/s  "
            f"(cores {busy:.0%} busy)"
        )
        first = None
        for workers in args.workers:
            seconds, busy = distributed(sources, args.pages, workers, client)
            rate = args.pages / seconds
            first = first or rate
            print(
                f"{workers} worker{'s' if workers > 1 else ' '} (scrapy-redis queue)"
                f"{'':17}{rate:7.1f} pages/s  ({rate / first:.2f}x 1 worker, "
                f"{rate / baseline:.2f}x baseline; cores {busy:.0%} busy)"
            )
        if shutil.which("taskset"):
            first = None
            for workers in range(1, min(os.cpu_count() or 1, max(args.workers)) + 1):
                seconds, busy = distributed(sources, args.pages, workers, client, pinned=True)
                rate = args.pages / seconds
                first = first or rate
                print(
                    f"{workers} worker{'s' if workers > 1 else ' '} pinned, one core each"
                    f"{'':13}{rate:7.1f} pages/s  ({rate / first:.2f}x 1 pinned worker; "
                    f"cores {busy:.0%} busy)"
                )
    per_request, per_fingerprint = redis_memory(client, args.requests, args.fingerprints)
    print(
        f"Redis memory: {per_request:.0f} B per queued request -> "
        f"{per_request * 100_000 / 2**20:.1f} MiB per 100k"
    )
    print(
        f"Redis memory: {per_fingerprint:.0f} B per fingerprint -> "
        f"{per_fingerprint * 1_000_000 / 2**20:.1f} MiB per 1M"
    )
    client.close()


if __name__ == "__main__":
    main()
