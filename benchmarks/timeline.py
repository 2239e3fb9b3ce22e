"""Timeline benchmark: incident grouping quality on real articles, and the timeline at scale.

    python -m benchmarks.timeline [--shared ../shared] [--sizes 10000 100000 1000000]

Quality: B-cubed and pairwise F1 of the grouping against the `incident` slugs of
seller-news-real/dev.jsonl, from the gold labels and from the labels the classifier predicts,
with the baseline "platform + calendar month" measured in the same run; platform detection
accuracy against the file's `platform` field. Scale: synthetic documents, each size in a fresh
process (wall time and peak RSS of build_feed + write_feed, chart excluded).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def quality(shared: Path) -> None:
    from classifier.persist import load_model
    from timeline.build import documents_frame
    from timeline.evaluate import bcubed, pairwise
    from timeline.incidents import assign_incidents
    from timeline.platforms import detect_platform, with_platforms

    rows = [json.loads(line) for line in (shared / "benchmarks" / "seller-news-real" / "dev.jsonl").open()]
    truth = pd.Series({r["id"]: r["incident"] for r in rows})
    detected = [detect_platform(r["title"], r["text"]) for r in rows]
    accuracy = np.mean([d == r["platform"] for d, r in zip(detected, rows, strict=True)])
    print(f"platform detection accuracy: {accuracy:.3f} ({len(rows)} articles)")
    model = load_model()
    _, predicted = model.predict(rows)
    from classifier.labels import LABELS

    variants = {
        "gold labels": rows,
        "predicted labels": [
            {**r, "labels": [lb for lb, p in zip(LABELS, row, strict=True) if p]}
            for r, row in zip(rows, predicted, strict=True)
        ],
    }
    for name, records in variants.items():
        frame = with_platforms(
            documents_frame([{k: v for k, v in r.items() if k != "platform"} for r in records])
        )
        grouped, _ = assign_incidents(frame)
        ours = grouped.set_index("doc_id")["incident_id"]
        labelled = frame["labels"].map(bool)
        month = (frame["platform"] + ":" + frame["published"].dt.strftime("%Y-%m")).where(labelled)
        baseline = pd.Series(month.to_numpy(), index=frame["doc_id"])
        for label, grouping in (("sellerwatch", ours), ("baseline platform+month", baseline)):
            b3, pw = bcubed(grouping, truth), pairwise(grouping, truth)
            print(
                f"{name:17} {label:24} B-cubed P {b3['precision']:.3f} R {b3['recall']:.3f} "
                f"F1 {b3['f1']:.3f}   pairwise F1 {pw['f1']:.3f}"
            )


def synthetic(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` documents over five years on 12 platforms, a fifth of them labelled (most seller news
    carries no label); each incident is a burst of documents sharing a handful of its own words."""
    rng = np.random.default_rng(seed)
    platforms = np.array(
        [
            "amazon",
            "ebay",
            "walmart",
            "etsy",
            "shopify",
            "tiktok_shop",
            "temu",
            "shein",
            "aliexpress",
            "shopee",
            "lazada",
            "mercado_libre",
        ]
    )
    vocabulary = np.array([f"w{i}" for i in range(20000)])
    start = pd.Timestamp("2021-01-01", tz="UTC").value // 10**9
    topics = max(n // 50, 1)
    topic = rng.integers(0, topics, n)
    topic_day = rng.integers(0, 1826, topics)
    seconds = (topic_day[topic] + rng.integers(0, 21, n)) * 86400 + rng.integers(0, 86400, n)
    labels_pool = [["brand_removal"], ["apology"], ["policy_tightening"], ["brand_removal", "apology"]]
    labelled = rng.random(n) < 0.2
    choice = rng.integers(0, len(labels_pool), n)
    words = rng.integers(0, len(vocabulary), (n, 60))
    texts = [" ".join(vocabulary[w]) + f" t{t}a t{t}b t{t}c t{t}d" for w, t in zip(words, topic, strict=True)]
    return pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(n)],
            "url": [f"https://x.example/{i}" for i in range(n)],
            "source": rng.choice(["a", "b", "c", "d", "e", "f"], n),
            "kind": "news",
            "published": pd.to_datetime((start + seconds) * 10**9, utc=True),
            "title": [f"Report t{t}a on {vocabulary[t % 20000]}" for t in topic],
            "text": texts,
            "platform": platforms[topic % len(platforms)],
            "labels": [labels_pool[c] if keep else [] for c, keep in zip(choice, labelled, strict=True)],
        }
    )


def scale_one(n: int) -> None:
    from timeline.build import build_feed
    from timeline.feed import write_feed

    docs = synthetic(n)
    start = time.perf_counter()
    feed = build_feed(docs)
    with tempfile.TemporaryDirectory() as out:
        write_feed(Path(out), feed.articles, feed.incidents, feed.timeline)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(
        json.dumps(
            {
                "n": n,
                "seconds": round(seconds, 2),
                "peak_gib": round(peak, 2),
                "incidents": len(feed.incidents),
            }
        )
    )


def scale(sizes: list[int]) -> None:
    results = []
    for n in sizes:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.timeline", "--scale-one", str(n)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = results[-1]
        growth = (
            f"  x{r['seconds'] / results[-2]['seconds']:.1f} time for x10 documents"
            if len(results) > 1
            else ""
        )
        print(
            f"timeline of {n:>9,} documents: {r['seconds']:7.2f} s, peak {r['peak_gib']:.2f} GiB, "
            f"{r['incidents']:,} incidents{growth}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--scale-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_one:
        scale_one(args.scale_one)
        return
    print(f"machine: {platform.machine()}, {platform.python_version()}, pandas {pd.__version__}")
    quality(args.shared)
    scale(args.sizes)


if __name__ == "__main__":
    main()
