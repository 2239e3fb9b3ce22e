"""Group labelled documents into incidents, keeping incident IDs stable from run to run.

Documents are blocked by platform and compared only with the documents of the preceding
``window`` (sorted by date), never all pairs. Two documents join when their labels are
compatible and their TF-IDF cosine similarity clears ``min_similarity``; incidents are the
connected components (single linkage), so follow-up coverage joins the incident it follows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.labels import LABELS

# The apology for a removal follows the removal; a removal wave is usually an enforcement.
COMPATIBLE = {frozenset(("brand_removal", "apology")), frozenset(("brand_removal", "policy_tightening"))}


@dataclass(frozen=True)
class GroupingParams:
    window: pd.Timedelta = field(default_factory=lambda: pd.Timedelta(days=90))
    min_similarity: float = 0.1
    max_candidates: int = 400


def labels_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    if a & b:
        return True
    return any(frozenset((x, y)) in COMPATIBLE for x in a for y in b)


def incident_candidates(docs: pd.DataFrame) -> pd.DataFrame:
    """Documents that can form incidents: labelled, dated, on a known platform."""
    has_labels = docs["labels"].map(lambda labels: bool(labels))
    dated = docs["published"].notna()
    known = ~docs["platform"].isin(["other", "", None]) & docs["platform"].notna()
    return docs[has_labels & dated & known]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def cluster(docs: pd.DataFrame, params: GroupingParams | None = None) -> pd.Series:
    """A cluster number per candidate document (index-aligned with ``docs``)."""
    params = params or GroupingParams()
    if docs.empty:
        return pd.Series(dtype="int64", index=docs.index)
    docs = docs.sort_values(["published", "doc_id"])
    texts = (
        docs["title"].fillna("") + " " + docs["title"].fillna("") + " " + docs["text"].fillna("")
    ).tolist()
    vectors = _vectorise(texts)
    labels = [frozenset(x) for x in docs["labels"]]
    times = docs["published"].to_numpy()
    platforms = docs["platform"].to_numpy()
    union = _UnionFind(len(docs))
    for platform in pd.unique(platforms):
        members = np.flatnonzero(platforms == platform)
        start = 0
        for position, i in enumerate(members):
            while times[members[start]] < times[i] - params.window:
                start += 1
            window = members[max(start, position - params.max_candidates) : position]
            if len(window) == 0:
                continue
            similarity = (vectors[window] @ vectors[i].T).toarray().ravel()
            for j, score in zip(window, similarity, strict=True):
                if score >= params.min_similarity and labels_compatible(labels[i], labels[j]):
                    union.union(i, j)
    roots = [union.find(i) for i in range(len(docs))]
    return pd.Series(roots, index=docs.index).reindex(docs.index)


def _vectorise(texts: list[str]) -> csr_matrix:
    vectorizer = TfidfVectorizer(
        sublinear_tf=True, min_df=1, stop_words="english", max_features=200_000, dtype=np.float32
    )
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # every text empty or only stop words
        return csr_matrix((len(texts), 1), dtype=np.float32)


def new_incident_id(first_doc_id: str) -> str:
    return "inc-" + hashlib.sha1(first_doc_id.encode()).hexdigest()[:10]


def assign_incidents(
    docs: pd.DataFrame,
    previous: dict[str, str] | None = None,
    params: GroupingParams | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give every candidate document an ``incident_id``; return documents and merges.

    ``previous`` maps document id → incident id from the last run: a cluster keeps the ID its
    documents had; when clusters that had different IDs merge, the oldest ID survives and the
    merge is returned as a row (``absorbed_id``, ``survivor_id``).
    """
    previous = previous or {}
    docs = docs.copy()
    docs["incident_id"] = pd.Series(pd.NA, index=docs.index, dtype="string")
    candidates = incident_candidates(docs)
    clusters = cluster(candidates, params)
    merges = []
    first_seen: dict[str, pd.Timestamp] = {}
    for _, ids in candidates.groupby(clusters).groups.items():
        members = candidates.loc[ids].sort_values(["published", "doc_id"])
        old_ids = [previous[d] for d in members["doc_id"] if d in previous]
        if old_ids:
            known = pd.Series(old_ids)
            # The oldest incident survives: the one whose first document came first.
            order = {
                i: members.loc[members["doc_id"].map(previous.get) == i, "published"].min()
                for i in set(old_ids)
            }
            survivor = min(order, key=lambda i: (order[i], i))
            for absorbed in sorted(set(known) - {survivor}):
                merges.append({"absorbed_id": absorbed, "survivor_id": survivor})
        else:
            survivor = new_incident_id(members["doc_id"].iloc[0])
        docs.loc[members.index, "incident_id"] = survivor
        first_seen[survivor] = members["published"].min()
    merged = pd.DataFrame(merges, columns=["absorbed_id", "survivor_id"])
    # An ID claimed by two clusters (an incident split): the later cluster gets a fresh one.
    claimed = docs.dropna(subset=["incident_id"]).groupby("incident_id")["published"].min()
    for incident_id in claimed.index:
        rows = docs[docs["incident_id"] == incident_id]
        groups = clusters.reindex(rows.index)
        if groups.nunique() > 1:
            keep = groups.loc[rows["published"].idxmin()]
            for group in groups.unique():
                if group != keep:
                    split = groups[groups == group].index
                    docs.loc[split, "incident_id"] = new_incident_id(docs.loc[split, "doc_id"].min())
    return docs, merged


def label_list(labels: object) -> list[str]:
    return [label for label in LABELS if label in set(labels or [])]
