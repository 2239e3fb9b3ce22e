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
    # One law or rule enforced by several marketplaces is one event: documents about different
    # platforms join only when their content is this much more alike.
    cross_platform_similarity: float = 0.25


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


LABEL_BITS = {label: 1 << i for i, label in enumerate(LABELS)}


def _mask(labels: object) -> int:
    return sum(LABEL_BITS[label] for label in set(labels or []) if label in LABEL_BITS)


def _compatibility_table() -> np.ndarray:
    def labels_of(mask: int) -> frozenset[str]:
        return frozenset(label for label, bit in LABEL_BITS.items() if mask & bit)

    size = 1 << len(LABELS)
    return np.array(
        [[labels_compatible(labels_of(a), labels_of(b)) for b in range(size)] for a in range(size)]
    )


COMPATIBLE_TABLE = _compatibility_table()
CHUNK = 2000


def cluster(docs: pd.DataFrame, params: GroupingParams | None = None) -> pd.Series:
    """A cluster number per candidate document (index-aligned with ``docs``).

    Blocked by platform (plus one pass across platforms at a stricter similarity); inside a block,
    documents are taken in time order in chunks and compared (one sparse product per chunk) only
    with the documents of the preceding ``window``, never all pairs.
    """
    params = params or GroupingParams()
    if docs.empty:
        return pd.Series(dtype="int64", index=docs.index)
    ordered = docs.sort_values(["published", "doc_id"])
    texts = ordered["title"].fillna("") + " " + ordered["title"].fillna("") + " " + ordered["text"].fillna("")
    vectors = _vectorise(texts.tolist())
    masks = np.array([_mask(labels) for labels in ordered["labels"]])
    epoch = pd.Timestamp(0, tz="UTC")
    seconds = ((ordered["published"] - epoch).dt.total_seconds()).to_numpy().astype(np.int64)
    window = int(params.window.total_seconds())
    platforms = ordered["platform"].to_numpy()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    blocks = [(np.flatnonzero(platforms == p), params.min_similarity) for p in pd.unique(platforms)]
    blocks.append((np.arange(len(ordered)), params.cross_platform_similarity))
    for members, threshold in blocks:
        block_times = seconds[members]
        for start in range(0, len(members), CHUNK):
            chunk = members[start : start + CHUNK]
            first = np.searchsorted(block_times, block_times[start] - window, side="left")
            candidates = members[first : start + len(chunk)]
            similarity = (vectors[chunk] @ vectors[candidates].T).tocoo()
            i, j = chunk[similarity.row], candidates[similarity.col]
            keep = (similarity.data >= threshold) & (j < i)
            i, j = i[keep], j[keep]
            gap = seconds[i] - seconds[j]
            keep = (gap <= window) & COMPATIBLE_TABLE[masks[i], masks[j]]
            rows.append(i[keep])
            cols.append(j[keep])
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(ordered)
    i = np.concatenate(rows) if rows else np.array([], dtype=int)
    j = np.concatenate(cols) if cols else np.array([], dtype=int)
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    # Number each component by its earliest document, so numbering is independent of input order.
    first_member = pd.Series(np.arange(n)).groupby(component).transform("min").to_numpy()
    return pd.Series(first_member, index=ordered.index).reindex(docs.index)


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
    documents had; when clusters that had different IDs merge, the oldest ID (the one whose first
    document came first) survives and the merge is returned as a row (``absorbed_id``,
    ``survivor_id``). When an old incident splits, the part holding its first document keeps the
    ID and the rest get new ones.
    """
    previous = previous or {}
    docs = docs.copy()
    docs["incident_id"] = pd.Series(pd.NA, index=docs.index, dtype="string")
    candidates = incident_candidates(docs)
    if candidates.empty:
        return docs, pd.DataFrame(columns=["absorbed_id", "survivor_id"])
    members = candidates[["doc_id", "published"]].assign(cluster=cluster(candidates, params))
    members["previous"] = members["doc_id"].map(previous)
    members = members.sort_values(["published", "doc_id"])

    # Each old ID, per cluster, dated by its earliest document there.
    claims = (
        members.dropna(subset=["previous"])
        .groupby(["cluster", "previous"], as_index=False)["published"]
        .min()
        .sort_values(["published", "previous"])
    )
    # An old ID found in several clusters (a split) stays with the cluster of its earliest claim.
    claims = claims.drop_duplicates("previous", keep="first")
    survivors = claims.drop_duplicates("cluster", keep="first").set_index("cluster")["previous"]
    absorbed = claims[~claims["previous"].isin(survivors.to_numpy())]
    merges = pd.DataFrame(
        {
            "absorbed_id": absorbed["previous"].to_numpy(),
            "survivor_id": absorbed["cluster"].map(survivors).to_numpy(),
        }
    ).sort_values(["survivor_id", "absorbed_id"], ignore_index=True)

    first_docs = members.drop_duplicates("cluster", keep="first").set_index("cluster")["doc_id"]
    fresh = first_docs.map(new_incident_id)
    ids = survivors.reindex(first_docs.index).fillna(fresh)
    docs.loc[members.index, "incident_id"] = members["cluster"].map(ids).astype("string")
    return docs, merges
