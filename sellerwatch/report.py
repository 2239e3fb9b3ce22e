"""One-screen summaries printed at the end of commands."""

from __future__ import annotations

from crawler.run import SourceResult


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
