"""``sellerwatch timeline``: labelled documents (JSONL or the store) → the feed folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from timeline.build import Feed, build_feed, documents_frame, previous_memberships
from timeline.chart import write_chart
from timeline.feed import atomic_write, write_feed


def store_documents(store: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Documents with their current labels (a hand label wins over the model) and forum replies."""
    latest = store.latest_labels()
    gold = store.gold_labels()
    records = []
    for doc in store.iter_documents():
        labels = gold.get(doc["id"], (latest.get(doc["id"]) or {}).get("labels", []))
        records.append(
            {
                "id": doc["id"],
                "url": doc["url"],
                "source": doc["source"],
                "kind": doc["kind"],
                "published": doc["published"],
                "title": doc["title"],
                "text": doc["text"],
                "platform": doc["platform"],
                "labels": labels,
                "near_duplicate_of": doc["near_duplicate_of"],
            }
        )
    replies = store.reply_activity()
    return documents_frame(records), replies


def publish(feed: Feed, out: Path) -> dict[str, Any]:
    manifest = write_feed(out, feed.articles, feed.incidents, feed.timeline, chart=write_chart)
    if not feed.merges.empty:
        log = out / "merges.jsonl"
        old = log.read_bytes() if log.exists() else b""
        stamp = manifest["generated_at"]
        new = "".join(json.dumps({**row, "at": stamp}) + "\n" for row in feed.merges.to_dict("records"))
        atomic_write(log, lambda handle: handle.write(old + new.encode()))
    return manifest


def summary(feed: Feed, out: Path) -> str:
    labelled = int((feed.articles["labels"].fillna("") != "").sum())
    return (
        f"wrote feed to {out}: {len(feed.articles)} articles ({labelled} labelled), "
        f"{len(feed.incidents)} incidents, {len(feed.timeline)} timeline rows"
        + (f", {len(feed.merges)} merges" if not feed.merges.empty else "")
    )


def timeline(args: argparse.Namespace) -> int:
    from classifier.data import DataError, read_jsonl

    if args.input:
        try:
            records = read_jsonl(args.input)
        except DataError as exc:
            print(f"sellerwatch timeline: error: {exc}", file=sys.stderr)
            return 1
        feed = build_feed(documents_frame(records), previous=previous_memberships(args.out))
    else:
        from store import Store

        store = Store.open(args.db, create=False)
        docs, replies = store_documents(store)
        feed = build_feed(docs, previous=store.incident_memberships(), replies=replies)
        store.save_incident_memberships(feed.memberships)
    publish(feed, args.out)
    print(summary(feed, args.out))
    return 0
