"""From documents to the feed's tables: platforms → incidents → timeline. DataFrame in, out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.labels import LABELS
from timeline.incidents import GroupingParams, assign_incidents
from timeline.platforms import with_platforms
from timeline.tables import articles_table, incidents_table, timeline_table

DOC_COLUMNS = ["doc_id", "url", "source", "kind", "published", "title", "text", "platform", "labels"]


@dataclass
class Feed:
    articles: pd.DataFrame
    incidents: pd.DataFrame
    timeline: pd.DataFrame
    merges: pd.DataFrame
    memberships: dict[str, str]


def documents_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Normalise JSONL-style records (``id`` …) into the documents frame the stages use."""
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["id"])
    frame = frame.rename(columns={"id": "doc_id"})
    for column in DOC_COLUMNS:
        if column not in frame:
            frame[column] = None
    frame["doc_id"] = frame["doc_id"].astype(str)
    frame["kind"] = frame["kind"].fillna("news")
    frame["source"] = frame["source"].fillna("unknown")
    frame["title"] = frame["title"].fillna("").astype(str)
    frame["text"] = frame["text"].fillna("").astype(str)
    frame["url"] = frame["url"].fillna("")
    frame["published"] = pd.to_datetime(frame["published"], utc=True, errors="coerce", format="mixed")
    frame["labels"] = frame["labels"].map(
        lambda labels: [label for label in LABELS if isinstance(labels, list | tuple) and label in labels]
    )
    frame["platform"] = frame["platform"].where(
        frame["platform"].map(lambda p: isinstance(p, str) and p != "")
    )
    return frame


def build_feed(
    docs: pd.DataFrame,
    *,
    previous: dict[str, str] | None = None,
    replies: pd.DataFrame | None = None,
    params: GroupingParams | None = None,
) -> Feed:
    docs = with_platforms(docs)
    docs, merges = assign_incidents(docs, previous, params or GroupingParams())
    if replies is not None and not replies.empty:
        reply_counts = replies.groupby("doc_id").size()
        docs["reply_count"] = docs["doc_id"].map(reply_counts).fillna(0).astype(int)
    memberships = {d: i for d, i in zip(docs["doc_id"], docs["incident_id"], strict=True) if pd.notna(i)}
    return Feed(
        articles=articles_table(docs),
        incidents=incidents_table(docs, merges),
        timeline=timeline_table(docs, replies),
        merges=merges,
        memberships=memberships,
    )


def previous_memberships(feed_dir: Path) -> dict[str, str]:
    """Document → incident from the feed already in ``feed_dir`` (for stable IDs without a store)."""
    path = feed_dir / "articles.csv"
    if not path.exists():
        return {}
    previous = pd.read_csv(path, usecols=["article_id", "incident_id"], dtype="string").dropna()
    return dict(zip(previous["article_id"], previous["incident_id"], strict=True))
