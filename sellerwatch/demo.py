"""``sellerwatch demo``: serve the offline demo world and run the nightly job on it twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from demoworld import DemoWorld
from sellerwatch.nightly import EXIT_OK, run_nightly

# The demo world's servers answer at once: no need to wait between requests.
DEMO_CRAWL_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def run_demo(out: Path) -> int:
    out = out.resolve()
    feed_dir = out / "feed"
    db_file = out / "demo.sqlite"
    for stale in (
        db_file,
        db_file.with_name(db_file.name + "-wal"),
        db_file.with_name(db_file.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    shutil.rmtree(feed_dir, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{db_file}"
    ids_after: dict[int, set[str]] = {}
    with DemoWorld(day=1) as world:
        sources = out / "demo-sources.toml"
        sources.write_text(world.sources_toml(), encoding="utf-8")
        for night in (1, 2):
            world.day = night
            print(f"\n=== demo night {night} (the demo world's day {night}) ===")
            code = run_nightly(sources, db_url, feed_dir, crawl_settings=DEMO_CRAWL_SETTINGS)
            if code != EXIT_OK:
                print(f"sellerwatch demo: night {night} ended with exit code {code}")
                return code
            ids_after[night] = set(pd.read_csv(feed_dir / "incidents.csv", dtype="string")["incident_id"])
    kept = ids_after[1] & ids_after[2]
    print("\n=== demo summary ===")
    print(
        f"incidents after night 1: {len(ids_after[1])}; after night 2: {len(ids_after[2])}; "
        f"IDs kept: {len(kept)} of {len(ids_after[1])}"
    )
    print(
        f"feed: {feed_dir}  (articles.csv, incidents.csv, timeline.csv, datapackage.json,"
        " timeline.png, manifest.json)"
    )
    print(f"report: {feed_dir / 'report.html'}   store: {db_url}   sources: {out / 'demo-sources.toml'}")
    return EXIT_OK
