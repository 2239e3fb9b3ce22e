"""Train the model: out-of-fold thresholds and metrics, then a final fit on all the data."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas
import sklearn
import skops

from classifier.data import data_hash, label_matrix, load_labelled, model_input
from classifier.labels import LABELS
from classifier.metrics import label_metrics
from classifier.model import THRESHOLD_BETA, build_pipeline, choose_thresholds, out_of_fold_scores
from classifier.persist import LabelModel


def batch_of(doc: dict[str, Any]) -> str:
    """The writing batch of a training document: the prefix of its id (``b3-0042`` → ``b3``)."""
    return str(doc["id"]).split("-", 1)[0]


def train_model(paths: list[Path], *, seed: int = 13) -> tuple[LabelModel, dict[str, Any]]:
    """Fit on every document of ``paths``; returns the model and its cross-validated metrics."""
    docs = load_labelled(paths)
    texts = [model_input(d) for d in docs]
    y = label_matrix(docs)
    groups = [batch_of(d) for d in docs]
    oof = out_of_fold_scores(docs, y, seed=seed, groups=groups)
    thresholds = choose_thresholds(y, oof)
    cut = np.array([thresholds[label] for label in LABELS])
    cv_metrics = label_metrics(y, (oof >= cut).astype(int))
    pipeline = build_pipeline(seed).fit(texts, y)
    digest = data_hash(paths)
    card = {
        "labels": list(LABELS),
        "thresholds": thresholds,
        "threshold_rule": f"max F-beta (beta {THRESHOLD_BETA}) on leave-one-batch-out scores",
        "version": f"tfidf-lr-{digest[:8]}-s{seed}",
        "seed": seed,
        "training_data": {
            "files": sorted(p.name for p in paths),
            "sha256": digest,
            "documents": len(docs),
            "positives": {label: int(y[:, i].sum()) for i, label in enumerate(LABELS)},
            "unlabelled": int((y.sum(axis=1) == 0).sum()),
        },
        "cross_validation": {
            "scheme": "leave-one-batch-out (GroupKFold over writing batches)",
            "folds": len(set(groups)),
            "metrics": cv_metrics,
        },
        "versions": {
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "pandas": pandas.__version__,
            "joblib": joblib.__version__,
            "skops": skops.__version__,
            "python": platform.python_version(),
        },
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return LabelModel(pipeline, card), cv_metrics
