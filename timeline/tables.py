"""The feed's three tables from documents that carry labels and incident IDs.

Column order is fixed here and nowhere else: DESIGN.md's columns first, extras after.
"""

from __future__ import annotations

import pandas as pd

from classifier.labels import LABELS

ARTICLE_COLUMNS = [
    "article_id",
    "url",
    "source",
    "kind",
    "published",
    "title",
    "platform",
    "labels",
    "incident_id",
    "country",
    "near_duplicate_of",
]
INCIDENT_COLUMNS = [
    "incident_id",
    "platform",
    "labels",
    "title",
    "first_seen",
    "last_seen",
    "article_count",
    "source_count",
    "url",
    "stages",
    "country",
    "merged_ids",
    "reply_count",
]
TIMELINE_COLUMNS = ["incident_id", "date", "label", "article_count", "source_count", "url", "reply_count"]
LIST_SEPARATOR = ";"


def join_labels(labels: object) -> str:
    present = set(labels or [])
    return LIST_SEPARATOR.join(label for label in LABELS if label in present)


def articles_table(docs: pd.DataFrame) -> pd.DataFrame:
    """One row per document, labelled or not."""
    table = pd.DataFrame(
        {
            "article_id": docs["doc_id"].astype("string"),
            "url": docs["url"].astype("string"),
            "source": docs["source"].astype("string"),
            "kind": docs["kind"].astype("string"),
            "published": docs["published"],
            "title": docs["title"].astype("string"),
            "platform": docs["platform"].astype("string"),
            "labels": docs["labels"].map(join_labels).astype("string"),
            "incident_id": docs["incident_id"].astype("string"),
            "country": docs.get("country", pd.Series(pd.NA, index=docs.index)).astype("string"),
            "near_duplicate_of": docs.get("near_duplicate_of", pd.Series(pd.NA, index=docs.index)).astype(
                "string"
            ),
        }
    )
    return table.sort_values(["published", "article_id"], na_position="last").reset_index(drop=True)


def _stages(members: pd.DataFrame) -> str:
    """Labels in the order they were first reported: e.g. brand_removal>apology."""
    firsts: dict[str, pd.Timestamp] = {}
    for published, labels in zip(members["published"], members["labels"], strict=True):
        for label in labels:
            if label not in firsts or published < firsts[label]:
                firsts[label] = published
    return ">".join(sorted(firsts, key=lambda label: (firsts[label], LABELS.index(label))))


def _representative(members: pd.DataFrame) -> pd.Series:
    """The earliest news report (forum titles are questions), else the earliest document."""
    news = members[members["kind"] == "news"]
    return (news if not news.empty else members).sort_values(["published", "doc_id"]).iloc[0]


def incidents_table(docs: pd.DataFrame, merges: pd.DataFrame | None = None) -> pd.DataFrame:
    members = docs.dropna(subset=["incident_id"])
    rows = []
    for incident_id, group in members.groupby("incident_id", sort=False):
        first = _representative(group)
        labels = sorted({label for labels in group["labels"] for label in labels}, key=LABELS.index)
        absorbed = (
            [] if merges is None else sorted(merges.loc[merges["survivor_id"] == incident_id, "absorbed_id"])
        )
        countries = group.get("country", pd.Series(dtype=object)).dropna()
        rows.append(
            {
                "incident_id": incident_id,
                "platform": group["platform"].mode().iloc[0],
                "labels": LIST_SEPARATOR.join(labels),
                "title": first["title"],
                "first_seen": group["published"].min(),
                "last_seen": group["published"].max(),
                "article_count": len(group),
                "source_count": group["source"].nunique(),
                "url": first["url"],
                "stages": _stages(group),
                "country": countries.mode().iloc[0] if not countries.empty else pd.NA,
                "merged_ids": LIST_SEPARATOR.join(absorbed),
                "reply_count": int(group.get("reply_count", pd.Series(0, index=group.index)).fillna(0).sum()),
            }
        )
    table = pd.DataFrame(rows, columns=INCIDENT_COLUMNS)
    return table.sort_values(["first_seen", "incident_id"]).reset_index(drop=True)


def timeline_table(docs: pd.DataFrame, replies: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per incident, day and label; forum replies add activity on the days they came."""
    members = docs.dropna(subset=["incident_id"]).copy()
    if members.empty:
        return pd.DataFrame(columns=TIMELINE_COLUMNS)
    members["date"] = members["published"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%d")
    exploded = members.explode("labels").rename(columns={"labels": "label"}).dropna(subset=["label"])
    exploded = exploded.sort_values(["published", "doc_id"])
    grouped = exploded.groupby(["incident_id", "date", "label"], sort=True)
    table = grouped.agg(
        article_count=("doc_id", "nunique"), source_count=("source", "nunique"), url=("url", "first")
    ).reset_index()
    table["reply_count"] = 0
    if replies is not None and not replies.empty:
        activity = replies.merge(members[["doc_id", "incident_id", "labels"]], on="doc_id")
        activity = activity.explode("labels").rename(columns={"labels": "label"})
        activity["date"] = activity["created"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%d")
        counts = activity.groupby(["incident_id", "date", "label"]).size().rename("replies").reset_index()
        table = table.merge(counts, on=["incident_id", "date", "label"], how="outer")
        table["reply_count"] = table["replies"].fillna(0).astype(int)
        table = table.drop(columns="replies")
        table["article_count"] = table["article_count"].fillna(0).astype(int)
        table["source_count"] = table["source_count"].fillna(0).astype(int)
        urls = members.drop_duplicates("incident_id").set_index("incident_id")["url"]
        table["url"] = table["url"].fillna(table["incident_id"].map(urls))
    order = {label: i for i, label in enumerate(LABELS)}
    table = table.sort_values(
        ["incident_id", "date", "label"], key=lambda c: c.map(order) if c.name == "label" else c
    )
    return table[TIMELINE_COLUMNS].reset_index(drop=True)
