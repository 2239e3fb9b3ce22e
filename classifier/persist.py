"""Save and load the model with skops (no code runs on load) and a JSON card beside it.

Loading checks, before trusting anything: the card exists and names our labels, the model file's
SHA-256 matches the card, scikit-learn's version is the one that trained it, and the skops file
holds only scikit-learn / NumPy / SciPy types. Every failure is a :class:`ModelError`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import skops.io as sio
from sklearn.pipeline import Pipeline

from classifier.data import REPO_ROOT, model_input, passages
from classifier.labels import LABELS

DEFAULT_MODEL = REPO_ROOT / "classifier" / "model" / "sellerwatch.skops"
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


class ModelError(RuntimeError):
    """The model cannot be loaded or used; the message says which file and why."""


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".card.json")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class LabelModel:
    """A fitted pipeline with its per-label thresholds and card."""

    pipeline: Pipeline
    card: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.card["version"])

    @property
    def thresholds(self) -> dict[str, float]:
        return {label: float(self.card["thresholds"][label]) for label in LABELS}

    def scores(self, docs: list[dict[str, Any]]) -> np.ndarray:
        return pooled_scores(self.pipeline, docs)

    def predict(self, docs: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        scores = self.scores(docs)
        cut = np.array([self.thresholds[label] for label in LABELS])
        return scores, (scores >= cut).astype(int)

    def explain(self, doc: dict[str, Any], top: int = 8) -> dict[str, list[tuple[str, float]]]:
        """Per label, the n-grams whose weights pushed this document's score up most."""
        features = self.pipeline.named_steps["features"]
        row = features.transform([model_input(doc)]).tocsr()
        names = features.get_feature_names_out()
        explanation = {}
        for index, label in enumerate(LABELS):
            calibrated = self.pipeline.named_steps["classify"].estimators_[index]
            coef = np.mean([c.estimator.coef_[0] for c in calibrated.calibrated_classifiers_], axis=0)
            contributions = row.multiply(coef).tocsr()
            order = np.argsort(contributions.data)[::-1][:top]
            explanation[label] = [
                (str(names[contributions.indices[i]]).split("__", 1)[-1], float(contributions.data[i]))
                for i in order
                if contributions.data[i] > 0
            ]
        return explanation


def pooled_scores(pipeline: Pipeline, docs: list[dict[str, Any]]) -> np.ndarray:
    """Per label, the mean of the whole document's score and its most telling passage's score."""
    if not docs:
        return np.zeros((0, len(LABELS)))
    whole = pipeline.predict_proba([model_input(d) for d in docs])
    pieces = [passages(d) for d in docs]
    flat = pipeline.predict_proba([p for piece in pieces for p in piece])
    bounds = np.cumsum([0, *(len(piece) for piece in pieces)])
    best = np.array([flat[start:end].max(axis=0) for start, end in itertools.pairwise(bounds)])
    return (whole + best) / 2


def _built_from(card_file: Path) -> str | None:
    """The training-data hash a model's card records, or None when there is no readable card."""
    try:
        return json.loads(card_file.read_text(encoding="utf-8"))["training_data"]["sha256"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError):
        return None


def default_model() -> LabelModel:
    from classifier.data import data_hash, training_files

    files = training_files()
    current = data_hash(files) if files else None
    card_file = card_path(DEFAULT_MODEL)

    def up_to_date() -> bool:
        return DEFAULT_MODEL.exists() and _built_from(card_file) == current

    if up_to_date():
        return load_model(DEFAULT_MODEL)
    if not files:
        raise ModelError(f"no default model at {DEFAULT_MODEL} and no training data to build it from")
    import fcntl
    import sys

    from classifier.train import train_model

    DEFAULT_MODEL.parent.mkdir(parents=True, exist_ok=True)
    with (DEFAULT_MODEL.parent / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process builds; the others wait and then load it
        if not up_to_date():
            print(
                f"building the default model from {len(files)} training files (first use, about a minute)",
                file=sys.stderr,
            )
            model, _ = train_model(files)
            save_model(model, DEFAULT_MODEL)
    return load_model(DEFAULT_MODEL)


def save_model(model: LabelModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    sio.dump(model.pipeline, tmp)
    tmp.replace(path)
    card = {**model.card, "model_sha256": file_sha256(path), "model_file": path.name}
    card_path(path).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_model(path: Path | None = None) -> LabelModel:
    """Load the model at ``path``; without a path, the default model, built on first use.

    The default model is not shipped: it is trained deterministically from ``data/training`` the
    first time it is needed (about a minute), and again whenever that data changes.
    """
    if path is None:
        return default_model()
    path = Path(path)
    card_file = card_path(path)
    if not path.exists():
        raise ModelError(f"model file {path} does not exist: run `sellerwatch train` first")
    if not card_file.exists():
        raise ModelError(f"model card {card_file} is missing: retrain with `sellerwatch train`")
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"model card {card_file} is not valid JSON: {exc}") from exc
    if tuple(card.get("labels") or ()) != LABELS:
        raise ModelError(f"model {path} was trained for labels {card.get('labels')}, not {list(LABELS)}")
    if card.get("model_sha256") != file_sha256(path):
        raise ModelError(f"model file {path} does not match its card (corrupt, truncated or replaced)")
    trained_with = str(card.get("versions", {}).get("scikit-learn", ""))
    if trained_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ModelError(
            f"model {path} was trained with scikit-learn {trained_with}, this is {sklearn.__version__}: "
            "retrain with `sellerwatch train`"
        )
    try:
        untrusted = sio.get_untrusted_types(file=path)
        foreign = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if foreign:
            raise ModelError(f"model {path} holds types SellerWatch does not trust: {foreign}")
        pipeline = sio.load(path, trusted=untrusted)
    except ModelError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as exc:
        raise ModelError(f"model file {path} cannot be read ({type(exc).__name__}: {exc})") from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"model file {path} does not hold a scikit-learn Pipeline")
    return LabelModel(pipeline, card)
