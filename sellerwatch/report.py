"""One-screen summaries printed at the end of commands."""

from __future__ import annotations

from pathlib import Path

from crawler.run import SourceResult
from store.db import redact_url


def crawl_summary(results: list[SourceResult]) -> str:
    lines = [f"{'source':18} {'status':10} {'fetched':>7} {'new':>5} {'changed':>7} {'posts+':>6}  failures"]
    for r in results:
        failures = ", ".join(f"{k} {v}" for k, v in sorted(r.failures.items())) or "-"
        if r.error:
            failures = f"{failures}; error: {r.error}"
        lines.append(
            f"{r.source:18} {r.status:10} {r.fetched:7} {r.new:5} {r.changed:7} {r.posts_new:6}  {failures}"
        )
    total_new = sum(r.new for r in results)
    failed = [r.source for r in results if r.status != "finished"]
    lines.append(
        f"crawled {len(results)} sources: {total_new} new documents"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return "\n".join(lines)


def seed_summary(
    results: list[SourceResult], run: str, *, sources: Path, db: str, redis: str, prefix: str
) -> str:
    """What seeding a distributed run put in the shared queue, and how to start its workers."""
    lines = [f"{'source':18} {'status':10} {'queued':>7}"]
    lines += [f"{r.source:18} {r.status:10} {r.queued:7}" for r in results]
    lines.append(
        f"seeded run {run} (prefix {prefix}): {sum(r.queued for r in results)} start "
        f"requests for {len(results)} sources"
    )
    lines.append(
        f"start workers on any machine: sellerwatch worker --sources {sources} "
        f"--redis {redact_url(redis)} --redis-prefix {prefix} --db {redact_url(db)}"
    )
    return "\n".join(lines)
