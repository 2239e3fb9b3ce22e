"""Read labelled and unlabelled documents (JSONL) and turn them into model input."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from classifier.labels import LABELS

REPO_ROOT = Path(__file__).resolve().parent.parent
TRAINING_DIR = REPO_ROOT / "data" / "training"
REQUIRED = ("id", "title", "text")


class DataError(ValueError):
    """A JSONL input that cannot be used; the message names the file and line."""


def read_jsonl(path: Path, *, require_labels: bool = False) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise DataError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    docs = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
        if not isinstance(doc, dict):
            raise DataError(f"{path}:{number}: expected a JSON object")
        missing = [key for key in REQUIRED if key not in doc]
        if missing:
            raise DataError(f"{path}:{number}: missing field(s) {missing}")
        if require_labels:
            labels = doc.get("labels")
            if not isinstance(labels, list) or not set(labels) <= set(LABELS):
                raise DataError(f"{path}:{number}: 'labels' must be a list drawn from {list(LABELS)}")
        docs.append(doc)
    return docs


def training_files() -> list[Path]:
    return sorted(TRAINING_DIR.glob("*.jsonl"))


def load_labelled(paths: Iterable[Path]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in paths:
        docs += read_jsonl(path, require_labels=True)
    return docs


def data_hash(paths: Iterable[Path]) -> str:
    """SHA-256 over the files' bytes in name order: pins what a model or figure was made from."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")
PASSAGE_SENTENCES = 3


def passages(doc: dict[str, Any]) -> list[str]:
    """The body in passages of three sentences, each headed by the title, so that a fact told once
    deep in a long article is scored on its own, not drowned by the rest."""
    title = str(doc.get("title") or "").strip()
    sentences = [s for s in _SENTENCE_END.split(str(doc.get("text") or "")) if s.strip()]
    if not sentences:
        return [title]
    step = PASSAGE_SENTENCES
    return [f"{title}\n" + " ".join(sentences[i : i + step]) for i in range(0, len(sentences), step)]


def model_input(doc: dict[str, Any]) -> str:
    """Title twice (headlines carry the event), then the body."""
    title = str(doc.get("title") or "").strip()
    return f"{title}\n{title}\n{doc.get('text') or ''}"


def label_matrix(docs: list[dict[str, Any]]) -> np.ndarray:
    return np.array([[int(label in (d.get("labels") or [])) for label in LABELS] for d in docs])
