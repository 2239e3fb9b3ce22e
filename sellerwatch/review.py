"""Helpers for reviewing the classifier in a notebook: truth, errors, what to label next."""

from __future__ import annotations

import numpy as np
import pandas as pd

from classifier.labels import LABELS
from classifier.metrics import label_metrics


def demo_truth(docs: pd.DataFrame) -> pd.DataFrame:
    """The demo world's ground-truth labels joined to stored documents by URL path."""
    from demoworld.content import ground_truth

    truth = pd.DataFrame(ground_truth())
    paths = docs["url"].str.replace(r"^https?://[^/]+", "", regex=True)
    site_of = {
        "sellerledger": "sellerledger",
        "marketbeacon": "marketbeacon",
        "kuajing": "kuajing",
        "seller-circle": "discourse",
        "sellers-board": "phpbb",
    }
    keyed = docs.assign(path=paths, site=docs["source"].astype(str).map(site_of))
    merged = keyed.merge(
        truth[["site", "path", "labels"]].rename(columns={"labels": "true_labels"}),
        on=["site", "path"],
        how="inner",
    )
    return merged


def metrics_table(
    frame: pd.DataFrame, *, predicted: str = "labels", truth: str = "true_labels"
) -> pd.DataFrame:
    y_true = np.array([[label in t for label in LABELS] for t in frame[truth]], dtype=int)
    y_pred = np.array([[label in p for label in LABELS] for p in frame[predicted]], dtype=int)
    metrics = label_metrics(y_true, y_pred)
    return pd.DataFrame(metrics).T[["precision", "recall", "f1"]]


def errors(frame: pd.DataFrame) -> pd.DataFrame:
    """Documents whose predicted labels differ from the truth, with what was missed or added."""
    rows = []
    for row in frame.itertuples():
        missed = sorted(set(row.true_labels) - set(row.labels))
        extra = sorted(set(row.labels) - set(row.true_labels))
        if missed or extra:
            rows.append(
                {
                    "doc_id": row.doc_id,
                    "title": row.title,
                    "missed": missed,
                    "extra": extra,
                    **{label: round(float(row.scores.get(label, 0.0)), 3) for label in LABELS},
                }
            )
    return pd.DataFrame(rows, columns=["doc_id", "title", "missed", "extra", *LABELS])


def most_uncertain(docs: pd.DataFrame, thresholds: dict[str, float], n: int = 10) -> pd.DataFrame:
    """The documents whose scores sit closest to a decision threshold: the best ones to label next."""
    scored = docs[docs["scores"].map(bool)].copy()
    margin = scored["scores"].map(lambda s: min(abs(s[label] - thresholds[label]) for label in LABELS))
    nearest = scored["scores"].map(lambda s: min(LABELS, key=lambda label: abs(s[label] - thresholds[label])))
    scored = scored.assign(margin=margin, nearest_label=nearest)
    return scored.sort_values("margin").head(n)[["doc_id", "title", "nearest_label", "margin", "labels"]]
