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


def incidents_table(docs: pd.DataFrame, merges: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per incident; every column computed by group, not by looping over incidents."""
    members = docs.dropna(subset=["incident_id"])
    if members.empty:
        return pd.DataFrame(columns=INCIDENT_COLUMNS)
    groups = members.groupby("incident_id")
    table = pd.DataFrame(
        {
            "first_seen": groups["published"].min(),
            "last_seen": groups["published"].max(),
            "article_count": groups.size(),
            "source_count": groups["source"].nunique(),
            "reply_count": groups["reply_count"].sum() if "reply_count" in members else 0,
        }
    )
    table["platform"] = _most_common(members, "platform")
    table["country"] = (
        _most_common(members.dropna(subset=["country"]), "country") if "country" in members else pd.NA
    )
    # The representative: the earliest news report (forum titles are questions), else the earliest.
    ranked = members.assign(forum=members["kind"] != "news").sort_values(["forum", "published", "doc_id"])
    first = ranked.drop_duplicates("incident_id").set_index("incident_id")
    table["title"], table["url"] = first["title"], first["url"]
    labelled = members[["incident_id", "published", "labels"]].explode("labels").dropna(subset=["labels"])
    order = {label: i for i, label in enumerate(LABELS)}
    onsets = labelled.groupby(["incident_id", "labels"], as_index=False)["published"].min()
    onsets["order"] = onsets["labels"].map(order)
    table["labels"] = onsets.sort_values("order").groupby("incident_id")["labels"].agg(LIST_SEPARATOR.join)
    table["stages"] = (
        onsets.sort_values(["published", "order"]).groupby("incident_id")["labels"].agg(">".join)
    )
    if merges is not None and not merges.empty:
        table["merged_ids"] = (
            merges.sort_values("absorbed_id").groupby("survivor_id")["absorbed_id"].agg(LIST_SEPARATOR.join)
        )
    else:
        table["merged_ids"] = ""
    table["merged_ids"] = table["merged_ids"].fillna("")
    table["reply_count"] = table["reply_count"].fillna(0).astype(int)
    table = table.rename_axis("incident_id").reset_index()
    return table[INCIDENT_COLUMNS].sort_values(["first_seen", "incident_id"]).reset_index(drop=True)


def _most_common(frame: pd.DataFrame, column: str) -> pd.Series:
    """Per incident, the most frequent value of ``column`` (ties: alphabetical)."""
    counts = frame.groupby(["incident_id", column]).size().rename("n").reset_index()
    counts = counts.sort_values(["incident_id", "n", column], ascending=[True, False, True])
    return counts.drop_duplicates("incident_id").set_index("incident_id")[column]


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
