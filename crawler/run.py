"""Run spiders for a list of sources in a child process and report per-source results.

Twisted's reactor starts once per process, so each crawl runs in a fresh interpreter; the nightly
job, the demo and tests can then crawl many times. ``python -m crawler.run SPEC.json`` is the
child's entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.lifetime import die_with_parent
from crawler.sources import Source


@dataclass
class SourceResult:
    source: str
    kind: str
    status: str
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    posts_new: int = 0
    queued: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def crawl(
    sources: list[Source],
    db_url: str,
    *,
    settings: dict[str, Any] | None = None,
    log_level: str = "WARNING",
) -> list[SourceResult]:
    """Crawl ``sources`` into the store at ``db_url``; one result per source."""
    with tempfile.TemporaryDirectory(prefix="sellerwatch-crawl-") as tmp:
        spec = Path(tmp) / "spec.json"
        result = Path(tmp) / "result.json"
        spec.write_text(
            json.dumps(
                {
                    "sources": [asdict(s) for s in sources],
                    "db_url": db_url,
                    "settings": settings or {},
                    "log_level": log_level,
                    "result": str(result),
                }
            ),
            encoding="utf-8",
        )
        completed = subprocess.run([sys.executable, "-m", "crawler.run", str(spec)], check=False)
        if not result.exists():
            return [
                SourceResult(s.name, s.kind, "crashed", error=f"crawler exited with {completed.returncode}")
                for s in sources
            ]
        return [SourceResult(**row) for row in json.loads(result.read_text(encoding="utf-8"))]


def _spider_class(kind: str) -> type:
    from crawler.spiders.discourse import DiscourseSpider
    from crawler.spiders.htmlforum import HtmlForumSpider
    from crawler.spiders.news import NewsSpider

    return {"news": NewsSpider, "discourse": DiscourseSpider, "forum": HtmlForumSpider}[kind]


def _result(source: Source, crawler: Any, error: str | None) -> SourceResult:
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
    failures = {
        key.split("/", 1)[1]: int(value) for key, value in stats.items() if key.startswith("failures/")
    }
    reason = stats.get("finish_reason")
    status = "failed" if error else ("finished" if reason == "finished" else str(reason or "not_started"))
    return SourceResult(
        source=source.name,
        kind=source.kind,
        status=status,
        fetched=int(stats.get("downloader/response_count", 0)),
        new=int(stats.get("docs/new", 0)),
        changed=int(stats.get("docs/changed", 0)),
        unchanged=int(stats.get("docs/unchanged", 0)),
        posts_new=int(stats.get("posts/new", 0)),
        queued=int(stats.get("scheduler/enqueued/redis", 0)),
        failures=failures,
        error=error,
    )


def _child(spec_path: str) -> int:
    from scrapy.crawler import CrawlerProcess

    die_with_parent()
    from scrapy.settings import Settings

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(spec["settings"], priority="cmdline")
    settings.set("LOG_LEVEL", spec["log_level"], priority="cmdline")
    settings.set("SELLERWATCH_DB", spec["db_url"], priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    errors: dict[str, str] = {}
    for raw in spec["sources"]:
        source = Source(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})
        crawler = process.create_crawler(_spider_class(source.kind))
        deferred = process.crawl(crawler, source=source, store_url=spec["db_url"])
        deferred.addErrback(lambda f, name=source.name: errors.setdefault(name, f.getErrorMessage()))
        crawlers.append((source, crawler))
    process.start()
    results = [asdict(_result(s, c, errors.get(s.name))) for s, c in crawlers]
    Path(spec["result"]).write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
