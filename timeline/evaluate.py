"""B-cubed and pairwise scores of a grouping against reference incidents."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pandas as pd


def bcubed(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """B-cubed precision/recall/F1 over items that have a reference incident.

    Items without a predicted incident count as singletons.
    """
    items = truth.dropna().index
    pred = predicted.reindex(items).astype("object")
    pred = pred.where(pred.notna(), pd.Series([f"single-{i}" for i in items], index=items))
    gold = truth.loc[items]
    pred_sizes, gold_sizes = Counter(pred), Counter(gold)
    joint = Counter(zip(pred, gold, strict=True))
    precision = sum(joint[(p, g)] / pred_sizes[p] for p, g in zip(pred, gold, strict=True)) / len(items)
    recall = sum(joint[(p, g)] / gold_sizes[g] for p, g in zip(pred, gold, strict=True)) / len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def pairwise(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    items = list(truth.dropna().index)
    pred = predicted.reindex(items).astype("object")
    pred = pred.where(pred.notna(), None)
    tp = fp = fn = 0
    for a, b in combinations(items, 2):
        same_pred = pred[a] is not None and pred[a] == pred[b]
        same_gold = truth[a] == truth[b]
        tp += same_pred and same_gold
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
