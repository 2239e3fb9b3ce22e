"""The nightly job and the demo: two nights, the lock, failures that leave the feed whole."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from demoworld import DemoWorld
from demoworld.content import articles, threads
from sellerwatch.nightly import EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_PARTIAL, run_nightly
from tests.conftest import FAST_CRAWL
from tests.routes import RouteServer

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def feed_digest(feed: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(feed.glob("*.csv"))}


def manifest_matches(feed: Path) -> bool:
    manifest = json.loads((feed / "manifest.json").read_text())
    return all(
        hashlib.sha256((feed / name).read_bytes()).hexdigest() == entry["sha256"]
        for name, entry in manifest["files"].items()
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`sellerwatch demo` once for the module: two nights against the demo world."""
    out = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [sys.executable, "-m", "sellerwatch.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    return {"out": out, "result": result}


def test_demo_runs_two_nights_and_keeps_incident_ids(demo_run: dict) -> None:
    result, out = demo_run["result"], demo_run["out"]
    assert result.returncode == 0, result.stderr[-2000:]
    assert "=== demo night 2" in result.stdout
    kept = next(line for line in result.stdout.splitlines() if "IDs kept" in line)
    night1 = int(kept.split("after night 1: ")[1].split(";")[0])
    assert f"IDs kept: {night1} of {night1}" in kept
    feed = out / "feed"
    runs = sorted((feed / "runs").glob("*.json"))
    assert len(runs) == 2
    first, second = (json.loads(p.read_text()) for p in runs)
    fetched = lambda run: sum(s["fetched"] for s in run["sources"])  # noqa: E731
    assert fetched(second) < fetched(first) / 3, "night 2 fetches only what changed"
    new_docs = sum(1 for site in articles().values() for a in site if a.demo_day == 2)
    new_docs += sum(1 for forum in threads().values() for t in forum if t.demo_day == 2)
    assert sum(s["new"] for s in second["sources"]) == new_docs
    assert second["incidents"]["updated"], "night 2 reports updated incidents"
    table = pd.read_csv(feed / "articles.csv")
    assert len(table) == sum(len(s) for s in articles().values()) + sum(len(f) for f in threads().values())
    assert manifest_matches(feed)
    assert (feed / "report.html").exists() and (feed / "timeline.png").exists()


def test_report_renders_in_headless_chromium(demo_run: dict) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    report = demo_run["out"] / "feed" / "report.html"
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report.png"
    flags = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={demo_run['out'] / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    dom = subprocess.run([*flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-1000:]
    assert dom.stdout.count('class="incident"') >= 1
    assert dom.stdout.count("<svg") >= 1 and "<rect" in dom.stdout
    assert "Run health" in dom.stdout
    console_errors = [
        line for line in dom.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()
    ]
    assert console_errors == []
    shot = subprocess.run(
        [*flags, f"--screenshot={screenshot}", "--window-size=1200,1600", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.returncode == 0 and screenshot.stat().st_size > 10_000


def nightly_command(sources: Path, db: str, feed: Path) -> list[str]:
    return [sys.executable, "-m", "sellerwatch.cli", "nightly", "--sources", str(sources), "--db", db,
            "--out", str(feed)]  # fmt: skip


def _sources(tmp_path: Path, world: DemoWorld, extra: str = "") -> Path:
    path = tmp_path / "sources.toml"
    names = ("sellerledger", "seller-circle")
    blocks = [
        b for b in world.sources_toml().split("[[sources]]") if any(f'name = "{n}"' in b for n in names)
    ]
    path.write_text("".join("[[sources]]" + b for b in blocks) + extra, encoding="utf-8")
    return path


def test_a_down_source_and_a_robots_ban_do_not_stop_the_others(world: DemoWorld, tmp_path: Path) -> None:
    closed = RouteServer({})
    port = closed.server.server_address[1]
    closed.server.server_close()  # nothing listens there now
    with RouteServer({"/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /\n")}) as banned:
        extra = (
            f'\n[[sources]]\nname = "down"\nkind = "news"\nstart_urls = ["http://127.0.0.1:{port}/"]\n'
            f'\n[[sources]]\nname = "banned"\nkind = "news"\nstart_urls = ["{banned.base}/"]\n'
        )
        code = run_nightly(
            _sources(tmp_path, world, extra),
            f"sqlite:///{tmp_path / 'db.sqlite'}",
            tmp_path / "feed",
            crawl_settings={**FAST_CRAWL, "RETRY_TIMES": 0},
            quiet=True,
        )
    assert code == EXIT_PARTIAL
    (run,) = [json.loads(p.read_text()) for p in (tmp_path / "feed" / "runs").glob("*.json")]
    by_name = {s["source"]: s for s in run["sources"]}
    assert by_name["down"]["failures"] == {"connection_error": 1}
    assert by_name["banned"]["failures"] == {"robots_disallowed": 1}
    assert by_name["sellerledger"]["new"] > 0 and by_name["seller-circle"]["new"] > 0
    assert manifest_matches(tmp_path / "feed")


def test_a_corrupt_model_leaves_the_last_good_feed(world: DemoWorld, tmp_path: Path) -> None:
    sources, db, feed = _sources(tmp_path, world), f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "feed"
    assert run_nightly(sources, db, feed, crawl_settings=FAST_CRAWL, quiet=True) == EXIT_OK
    before = feed_digest(feed)
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"PK\x03\x04 truncated")
    broken.with_suffix(".card.json").write_text("{}")
    world.day = 2
    assert (
        run_nightly(sources, db, feed, model_path=broken, crawl_settings=FAST_CRAWL, quiet=True)
        == EXIT_FAILED
    )
    assert feed_digest(feed) == before
    last = json.loads(sorted((feed / "runs").glob("*.json"))[-1].read_text())
    assert any("classification failed" in e for e in last["errors"])


def test_two_runs_at_once_one_waits_out(world: DemoWorld, tmp_path: Path) -> None:
    sources = _sources(tmp_path, world)
    feed = tmp_path / "feed"
    command = nightly_command(sources, f"sqlite:///{tmp_path / 'db.sqlite'}", feed)
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (feed / ".nightly.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    first.communicate(timeout=300)
    assert second.returncode == EXIT_LOCKED
    assert "another nightly run holds" in second.stderr
    assert first.returncode in (EXIT_OK, EXIT_PARTIAL)


def test_sigkill_during_nightly_then_the_next_run_completes(world: DemoWorld, tmp_path: Path) -> None:
    sources, feed = _sources(tmp_path, world), tmp_path / "feed"
    command = nightly_command(sources, f"sqlite:///{tmp_path / 'db.sqlite'}", feed)
    victim = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.5)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == EXIT_OK, rerun.stderr[-2000:]
    assert manifest_matches(feed)
    expected = len(articles()["sellerledger"]) - sum(a.demo_day == 2 for a in articles()["sellerledger"])
    expected += sum(t.demo_day == 1 for t in threads()["discourse"])
    assert len(pd.read_csv(feed / "articles.csv")) == expected
