"""Per-label precision, recall and F1 with micro and macro averages."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from classifier.labels import LABELS


def label_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, labels=list(range(len(LABELS))), zero_division=0
    )
    result: dict[str, Any] = {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(LABELS)
    }
    for average in ("micro", "macro"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=0)
        result[average] = {"precision": float(p), "recall": float(r), "f1": float(f)}
    return result


def format_metrics(metrics: dict[str, Any]) -> str:
    lines = [f"{'label':18} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for label in (*LABELS, "micro", "macro"):
        row = metrics[label]
        support = f"{row['support']:8d}" if "support" in row else " " * 8
        lines.append(f"{label:18} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:6.3f} {support}")
    return "\n".join(lines)
