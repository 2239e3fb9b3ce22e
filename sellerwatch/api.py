"""The notebook API: DataFrames with proper dtypes from the store or a feed folder.

>>> import sellerwatch
>>> docs = sellerwatch.documents("sqlite:///demo-out/demo.sqlite")
>>> incidents = sellerwatch.incidents(feed="demo-out/feed")
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.labels import LABELS
from store import Store
from timeline.platforms import PLATFORMS

LABEL_DTYPE = pd.CategoricalDtype(list(LABELS))
PLATFORM_DTYPE = pd.CategoricalDtype([*PLATFORMS, "multiple", "other"])


def _store(db: str | Store | None) -> Store:
    return db if isinstance(db, Store) else Store.open(db, create=False)


def _categorical_platform(series: pd.Series) -> pd.Series:
    return series.where(series.isin(PLATFORM_DTYPE.categories), "other").astype(PLATFORM_DTYPE)


def documents(db: str | Store | None = None) -> pd.DataFrame:
    """Every stored document with its model labels, scores and any hand (gold) labels."""
    store = _store(db)
    latest, gold = store.latest_labels(), store.gold_labels()
    memberships = store.incident_memberships()
    rows = []
    for doc in store.iter_documents():
        model = latest.get(doc["id"]) or {}
        rows.append(
            {
                "doc_id": doc["id"],
                "url": doc["url"],
                "source": doc["source"],
                "kind": doc["kind"],
                "title": doc["title"],
                "author": doc["author"],
                "published": doc["published"],
                "platform": doc["platform"] or "other",
                "text": doc["text"],
                "labels": model.get("labels", []),
                "scores": model.get("scores", {}),
                "model_version": model.get("model_version"),
                "gold_labels": gold.get(doc["id"]),
                "incident_id": memberships.get(doc["id"]),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "doc_id",
            "url",
            "source",
            "kind",
            "title",
            "author",
            "published",
            "platform",
            "text",
            "labels",
            "scores",
            "model_version",
            "gold_labels",
            "incident_id",
        ],
    )
    frame["published"] = pd.to_datetime(frame["published"], utc=True)
    frame["kind"] = frame["kind"].astype(pd.CategoricalDtype(["news", "forum"]))
    frame["platform"] = _categorical_platform(frame["platform"])
    frame["source"] = frame["source"].astype("category")
    for label in LABELS:
        frame[f"score_{label}"] = (
            frame["scores"].map(lambda s, label=label: (s or {}).get(label)).astype("Float64")
        )
    return frame


def feed(path: str | Path) -> dict[str, pd.DataFrame]:
    """The three tables of a feed folder, typed: tz-aware times, categorical labels and platforms."""
    path = Path(path)
    articles = pd.read_csv(path / "articles.csv", dtype="string", keep_default_na=False, na_values=[""])
    incidents_ = pd.read_csv(path / "incidents.csv", dtype="string", keep_default_na=False, na_values=[""])
    timeline_ = pd.read_csv(path / "timeline.csv", dtype="string", keep_default_na=False, na_values=[""])
    articles["published"] = pd.to_datetime(articles["published"], utc=True)
    for column in ("first_seen", "last_seen"):
        incidents_[column] = pd.to_datetime(incidents_[column], utc=True)
    for table in (articles, incidents_):
        table["platform"] = _categorical_platform(table["platform"].fillna("other"))
        table["labels"] = table["labels"].fillna("").map(lambda s: [x for x in s.split(";") if x])
    for column in ("article_count", "source_count", "reply_count"):
        if column in incidents_:
            incidents_[column] = incidents_[column].astype("Int64")
        timeline_[column] = timeline_[column].astype("Int64")
    timeline_["date"] = pd.to_datetime(timeline_["date"]).dt.tz_localize("UTC")
    timeline_["label"] = timeline_["label"].astype(LABEL_DTYPE)
    return {"articles": articles, "incidents": incidents_, "timeline": timeline_}


def incidents(*, feed_dir: str | Path) -> pd.DataFrame:
    return feed(feed_dir)["incidents"]


def timeline(*, feed_dir: str | Path) -> pd.DataFrame:
    return feed(feed_dir)["timeline"]


def incident_documents(incident_id: str, *, feed_dir: str | Path) -> pd.DataFrame:
    """The documents that report one incident, oldest first."""
    articles = feed(feed_dir)["articles"]
    return articles[articles["incident_id"] == incident_id].sort_values("published")


def plot_incident(incident_id: str, *, feed_dir: str | Path, ax: Any = None) -> Any:
    """A bar chart of one incident's documents per day, stacked by label."""
    import matplotlib.pyplot as plt

    rows = feed(feed_dir)["timeline"]
    rows = rows[rows["incident_id"] == incident_id]
    if rows.empty:
        raise KeyError(f"no incident {incident_id!r} in {feed_dir}")
    pivot = rows.pivot_table(
        index="date", columns="label", values="article_count", aggfunc="sum", observed=True
    ).fillna(0)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3))
    pivot.index = pivot.index.strftime("%Y-%m-%d")
    pivot.plot.bar(
        stacked=True,
        ax=ax,
        color={"brand_removal": "#d62728", "apology": "#2ca02c", "policy_tightening": "#1f77b4"},
    )
    ax.set_title(f"Incident {incident_id}: documents per day")
    ax.set_xlabel("")
    return ax


def relabel(
    doc_id: str, labels: list[str], *, by: str, note: str = "", db: str | Store | None = None
) -> None:
    """Record a hand label for a document; it is kept apart from the model's and wins in the feed."""
    unknown = set(labels) - set(LABELS)
    if unknown:
        raise ValueError(f"unknown label(s) {sorted(unknown)}; labels are {list(LABELS)}")
    store = _store(db)
    if store.get_document(doc_id) is None:
        raise KeyError(f"no document {doc_id!r} in the store")
    store.set_gold_labels(doc_id, labels, by=by, note=note)


def export_jsonl(store: Store, path: Path) -> int:
    """Documents with text, labels (gold over model) and incident as JSONL."""
    frame = documents(store)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for row in frame.itertuples(index=False):
            record = {
                "id": row.doc_id,
                "url": row.url,
                "source": str(row.source),
                "kind": str(row.kind),
                "title": row.title,
                "author": row.author,
                "published": row.published.isoformat() if pd.notna(row.published) else None,
                "platform": str(row.platform),
                "text": row.text,
                "labels": row.gold_labels if row.gold_labels is not None else row.labels,
                "model_labels": row.labels,
                "scores": row.scores,
                "model_version": row.model_version,
                "incident_id": row.incident_id,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return len(frame)
