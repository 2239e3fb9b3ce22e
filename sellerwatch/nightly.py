"""The nightly job: crawl → classify what is new → rebuild incidents → feed → run report."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.commands import classify_store
from classifier.persist import ModelError, load_model
from crawler.run import crawl
from crawler.sources import SourcesError, load_sources
from sellerwatch.htmlreport import write_report
from sellerwatch.lock import LockedError, exclusive_lock
from sellerwatch.report import crawl_summary
from store import Store, StoreError
from timeline.build import build_feed
from timeline.commands import publish, store_documents, summary
from timeline.feed import atomic_write

EXIT_OK, EXIT_FAILED, EXIT_PARTIAL, EXIT_LOCKED = 0, 1, 3, 75


def _previous_incidents(out: Path) -> pd.DataFrame:
    path = out / "incidents.csv"
    if not path.exists():
        return pd.DataFrame(columns=["incident_id", "article_count", "last_seen"])
    return pd.read_csv(path, dtype="string")


def incident_changes(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, list[str]]:
    old = before.set_index("incident_id")
    new_ids = [i for i in after["incident_id"] if i not in old.index]
    updated = [
        row.incident_id
        for row in after.itertuples()
        if row.incident_id in old.index
        and (
            str(row.article_count) != str(old.loc[row.incident_id, "article_count"])
            or str(getattr(row, "reply_count", "")) != str(old.loc[row.incident_id].get("reply_count", ""))
        )
    ]
    return {"new": new_ids, "updated": updated}


def run_nightly(
    sources_file: Path,
    db_url: str,
    out: Path,
    *,
    model_path: Path | None = None,
    crawl_settings: dict[str, Any] | None = None,
    quiet: bool = False,
) -> int:
    """Run one night.

    Exit codes: 0 all well; 1 classification or aggregation failed (the feed stays at its last
    good version); 3 the feed was rebuilt but some source failed; 75 another run holds the lock.
    """
    try:
        with exclusive_lock(out / ".nightly.lock"):
            return _run(sources_file, db_url, out, model_path, crawl_settings or {}, quiet)
    except LockedError as exc:
        print(f"sellerwatch nightly: {exc}; not starting a second run", file=sys.stderr)
        return EXIT_LOCKED


def _run(
    sources_file: Path,
    db_url: str,
    out: Path,
    model_path: Path | None,
    crawl_settings: dict[str, Any],
    quiet: bool,
) -> int:
    started = datetime.now(UTC)
    durations: dict[str, float] = {}
    report: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "sources_file": str(sources_file),
    }
    errors: list[str] = []
    try:
        sources = load_sources(sources_file)
        store = Store.open(db_url)
    except (SourcesError, StoreError) as exc:
        print(f"sellerwatch nightly: error: {exc}", file=sys.stderr)
        return EXIT_FAILED

    clock = time.monotonic()
    results = crawl(sources, db_url, settings=crawl_settings)
    durations["crawl"] = time.monotonic() - clock
    report["sources"] = [asdict(r) for r in results]

    clock = time.monotonic()
    classified: dict[str, int] | None = None
    try:
        model = load_model(model_path)
        classified = classify_store(store, model)
        report["model_version"] = model.version
    except ModelError as exc:
        errors.append(f"classification failed: {exc}")
    durations["classify"] = time.monotonic() - clock
    report["classified"] = classified

    before = _previous_incidents(out)
    feed = None
    if not errors:
        clock = time.monotonic()
        try:
            docs, replies = store_documents(store)
            feed = build_feed(docs, previous=store.incident_memberships(), replies=replies)
            publish(feed, out)
            store.save_incident_memberships(feed.memberships)
        except Exception as exc:
            errors.append(f"aggregation failed: {type(exc).__name__}: {exc}")
            feed = None
        durations["timeline"] = time.monotonic() - clock
    if feed is not None:
        report["incidents"] = {**incident_changes(before, feed.incidents), "total": len(feed.incidents)}
    report["durations_s"] = {k: round(v, 2) for k, v in durations.items()}
    report["errors"] = errors
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps(report, indent=2, default=str).encode("utf-8")
    atomic_write(out / "runs" / f"{stamp}.json", lambda handle: handle.write(body))
    if feed is not None:
        write_report(out / "report.html", report, feed)
    if not quiet:
        print(crawl_summary(results))
        if classified is not None:
            print("classified " + ", ".join(f"{k} {v}" for k, v in classified.items()))
        if feed is not None:
            print(summary(feed, out))
            changes = report["incidents"]
            print(
                f"incidents: {len(changes['new'])} new, {len(changes['updated'])} updated, "
                f"{changes['total']} in all"
            )
        for error in errors:
            print(f"ERROR: {error} (feed in {out} left at its last good version)", file=sys.stderr)
        print(f"run report: {out / 'runs' / f'{stamp}.json'}; took {sum(durations.values()):.1f}s")
    if errors:
        return EXIT_FAILED
    failed_sources = [
        r.source for r in results if r.status != "finished" or r.failures.get("robots_disallowed")
    ]
    return EXIT_PARTIAL if failed_sources else EXIT_OK
