"""Incidents, stable IDs, the timeline and the atomic feed."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd

from timeline.build import build_feed, documents_frame
from timeline.chart import write_chart
from timeline.feed import write_feed
from timeline.tables import ARTICLE_COLUMNS, INCIDENT_COLUMNS, TIMELINE_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = {
    "articles.csv": [
        "article_id",
        "url",
        "source",
        "kind",
        "published",
        "title",
        "platform",
        "labels",
        "incident_id",
    ],
    "incidents.csv": [
        "incident_id",
        "platform",
        "labels",
        "title",
        "first_seen",
        "last_seen",
        "article_count",
        "source_count",
        "url",
    ],
    "timeline.csv": ["incident_id", "date", "label", "article_count", "source_count", "url"],
}


def doc(
    doc_id: str, day: str, title: str, text: str, labels: list[str], source: str = "a", **extra: object
) -> dict:
    return {
        "id": doc_id,
        "url": f"https://{source}.example/{doc_id}",
        "source": source,
        "title": title,
        "text": text,
        "published": day,
        "labels": labels,
        **extra,
    }


REMOVALS = [
    doc(
        "r1",
        "2026-03-02",
        "Amazon removes hundreds of brands from Brand Registry",
        "Sellers woke to find their brands gone from Amazon Brand Registry; brand stores vanished.",
        ["brand_removal"],
    ),
    doc(
        "r2",
        "2026-03-03",
        "Brand Registry removals spread on Amazon",
        "More Amazon sellers report brands removed from Brand Registry and brand stores offline.",
        ["brand_removal"],
        "b",
    ),
    doc(
        "r3",
        "2026-03-06",
        "Amazon apologizes for Brand Registry removals",
        "Amazon said a system error removed brands from Brand Registry, apologized and is restoring brand stores.",
        ["apology", "brand_removal"],
        "c",
    ),
]
ETSY = [
    doc(
        "e1",
        "2026-05-10",
        "Etsy apologizes for payout delay",
        "Etsy said a bug delayed payouts to shops and apologized.",
        ["apology"],
    ),
]
NOISE = [
    doc("n1", "2026-03-04", "Ten packaging tips", "Boxes and tape for Amazon sellers.", []),
    doc("n2", None, "Undated Amazon brand removal note", "Amazon removed brands.", ["brand_removal"]),
    doc("n3", "2026-03-04", "A quiet week", "Nothing about any marketplace here.", ["policy_tightening"]),
]


def test_incidents_group_follow_up_coverage_and_keep_noise_out() -> None:
    feed = build_feed(documents_frame(REMOVALS + ETSY + NOISE))
    articles = feed.articles.set_index("article_id")
    assert (
        articles.loc["r1", "incident_id"]
        == articles.loc["r2", "incident_id"]
        == articles.loc["r3", "incident_id"]
    )
    assert articles.loc["e1", "incident_id"] != articles.loc["r1", "incident_id"]
    for doc_id in ("n1", "n2", "n3"):  # no label, no date, unknown platform: articles.csv only
        assert pd.isna(articles.loc[doc_id, "incident_id"])
    assert len(feed.incidents) == 2
    amazon = feed.incidents[feed.incidents["platform"] == "amazon"].iloc[0]
    assert amazon["stages"] == "brand_removal>apology"
    assert amazon["first_seen"] == pd.Timestamp("2026-03-02", tz="UTC")
    assert (amazon["article_count"], amazon["source_count"]) == (3, 3)
    rows = feed.timeline[feed.timeline["incident_id"] == amazon["incident_id"]]
    assert list(zip(rows["date"], rows["label"], rows["article_count"], strict=True)) == [
        ("2026-03-02", "brand_removal", 1),
        ("2026-03-03", "brand_removal", 1),
        ("2026-03-06", "brand_removal", 1),
        ("2026-03-06", "apology", 1),
    ]


def test_ids_stay_stable_as_documents_arrive() -> None:
    first = build_feed(documents_frame(REMOVALS[:2] + ETSY))
    ids = dict(zip(first.articles["article_id"], first.articles["incident_id"], strict=True))
    later = build_feed(documents_frame(REMOVALS + ETSY + NOISE), previous=first.memberships)
    again = dict(zip(later.articles["article_id"], later.articles["incident_id"], strict=True))
    for doc_id in ("r1", "r2", "e1"):
        assert again[doc_id] == ids[doc_id]
    assert again["r3"] == ids["r1"]


def test_a_merge_keeps_the_older_id_and_is_recorded() -> None:
    early, late = REMOVALS[0], REMOVALS[2]
    bridge = REMOVALS[1]
    separate = build_feed(documents_frame([early, dict(late, published="2026-07-20")]))
    old_ids = dict(zip(separate.articles["article_id"], separate.articles["incident_id"], strict=True))
    assert old_ids["r1"] != old_ids["r3"]
    merged = build_feed(
        documents_frame([early, bridge, dict(late, published="2026-03-06")]), previous=separate.memberships
    )
    new_ids = dict(zip(merged.articles["article_id"], merged.articles["incident_id"], strict=True))
    assert new_ids["r1"] == new_ids["r3"] == old_ids["r1"]
    assert merged.merges.to_dict("records") == [{"absorbed_id": old_ids["r3"], "survivor_id": old_ids["r1"]}]
    assert merged.incidents.iloc[0]["merged_ids"] == old_ids["r3"]


def test_grouping_is_deterministic() -> None:
    a = build_feed(documents_frame(REMOVALS + ETSY + NOISE))
    b = build_feed(documents_frame(list(reversed(REMOVALS + ETSY + NOISE))))
    pd.testing.assert_frame_equal(a.incidents, b.incidents)
    pd.testing.assert_frame_equal(a.timeline, b.timeline)


def test_feed_files_follow_the_contract_and_validate(tmp_path: Path) -> None:
    from frictionless import Package

    feed = build_feed(documents_frame(REMOVALS + ETSY + NOISE))
    manifest = write_feed(tmp_path, feed.articles, feed.incidents, feed.timeline, chart=write_chart)
    for name, columns in CONTRACT.items():
        header = (tmp_path / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert header[: len(columns)] == columns
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == manifest["files"][name]["sha256"]
    assert manifest["files"]["articles.csv"]["rows"] == len(REMOVALS + ETSY + NOISE)
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    described = {
        f["name"]
        for r in json.loads((tmp_path / "datapackage.json").read_text())["resources"]
        for f in r["schema"]["fields"]
    }
    assert set(ARTICLE_COLUMNS + INCIDENT_COLUMNS + TIMELINE_COLUMNS) <= described
    assert (tmp_path / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_empty_input_gives_valid_empty_files(tmp_path: Path) -> None:
    from frictionless import Package

    feed = build_feed(documents_frame([]))
    write_feed(tmp_path, feed.articles, feed.incidents, feed.timeline, chart=write_chart)
    for name, columns in CONTRACT.items():
        lines = (tmp_path / name).read_text().splitlines()
        assert lines[0].split(",")[: len(columns)] == columns and len(lines) == 1
    assert Package(str(tmp_path / "datapackage.json")).validate().valid


def test_a_polling_reader_never_sees_a_partial_feed(tmp_path: Path) -> None:
    small = build_feed(documents_frame(REMOVALS))
    big = build_feed(
        documents_frame(
            REMOVALS
            + ETSY
            + NOISE
            + [doc(f"x{i}", "2026-04-01", f"Filler {i}", "words " * 400, []) for i in range(300)]
        )
    )
    write_feed(tmp_path, small.articles, small.incidents, small.timeline)
    stop = threading.Event()
    problems: list[str] = []

    def poll() -> None:
        while not stop.is_set():
            try:
                json.loads((tmp_path / "manifest.json").read_text())
            except (json.JSONDecodeError, FileNotFoundError) as exc:
                problems.append(f"manifest unreadable: {exc}")
                continue
            for name in ("articles.csv", "incidents.csv", "timeline.csv"):
                data = (tmp_path / name).read_bytes()
                if not data.endswith(b"\n") or b"\n" not in data:
                    problems.append(f"{name} partial")
            # A complete feed: every file matches the manifest, or a newer write is under way
            # (then the manifest is the previous one and at least one file is newer).

    reader = threading.Thread(target=poll)
    reader.start()
    for i in range(30):
        feed = big if i % 2 else small
        write_feed(tmp_path, feed.articles, feed.incidents, feed.timeline)
    stop.set()
    reader.join()
    assert problems == []
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == entry["sha256"]


def test_timeline_command_keeps_ids_between_runs(tmp_path: Path) -> None:
    source = tmp_path / "labelled.jsonl"
    out = tmp_path / "feed"
    source.write_text("".join(json.dumps(d) + "\n" for d in REMOVALS[:2]))
    command = [sys.executable, "-m", "sellerwatch.cli", "timeline", "--input", str(source), "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert "1 incidents" in first.stdout
    before = pd.read_csv(out / "incidents.csv")["incident_id"].tolist()
    source.write_text("".join(json.dumps(d) + "\n" for d in REMOVALS + ETSY))
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    after = pd.read_csv(out / "incidents.csv")
    assert before[0] in after["incident_id"].tolist() and len(after) == 2


def test_demo_incidents_found_with_their_first_report_date() -> None:
    from demoworld.content import articles, threads

    records = []
    truth: dict[str, str] = {}
    for site, site_articles in articles().items():
        for a in site_articles:
            records.append(
                {
                    "id": f"{site}{a.path}",
                    "url": a.path,
                    "source": site,
                    "title": a.title,
                    "text": "\n\n".join(a.paragraphs),
                    "published": a.published.isoformat(),
                    "labels": a.labels,
                    "platform": a.platform,
                }
            )
            if a.incident:
                truth[f"{site}{a.path}"] = a.incident
    for forum, forum_threads in threads().items():
        for t in forum_threads:
            records.append(
                {
                    "id": f"{forum}{t.path}",
                    "url": t.path,
                    "source": forum,
                    "kind": "forum",
                    "title": t.title,
                    "text": t.posts[0].text,
                    "published": t.posts[0].created.isoformat(),
                    "labels": t.labels,
                    "platform": t.platform,
                }
            )
            if t.incident:
                truth[f"{forum}{t.path}"] = t.incident
    feed = build_feed(documents_frame(records))
    found = feed.articles.set_index("article_id")["incident_id"]
    first_report = pd.DataFrame({"doc": list(truth), "incident": list(truth.values())})
    first_report["published"] = first_report["doc"].map(
        {r["id"]: pd.Timestamp(r["published"]).tz_convert("UTC") for r in records}
    )
    incidents = feed.incidents.set_index("incident_id")
    for incident, members in first_report.groupby("incident"):
        predicted = found.loc[members["doc"]].value_counts()
        assert not predicted.empty, incident
        main = predicted.index[0]
        assert predicted.iloc[0] >= 0.8 * len(members), (incident, predicted.to_dict())
        assert incidents.loc[main, "first_seen"].date() == members["published"].min().date(), incident


def test_demo_ground_truth_file_is_up_to_date() -> None:
    """data/demo/ground_truth.jsonl lists every demo document; rebuild it with python -m demoworld.content."""
    from demoworld.content import GROUND_TRUTH, ground_truth

    written = [json.loads(line) for line in GROUND_TRUTH.read_text(encoding="utf-8").splitlines()]
    assert written == ground_truth()
    assert sum(row["kind"] == "news" for row in written) >= 150
    assert sum(row["kind"] == "forum" for row in written) >= 40
