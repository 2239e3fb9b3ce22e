"""The classifier's sub-commands: train, evaluate, classify (files or the store)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from classifier.data import DataError, label_matrix, read_jsonl, training_files
from classifier.labels import LABELS
from classifier.metrics import format_metrics, label_metrics
from classifier.persist import DEFAULT_MODEL, LabelModel, ModelError, load_model, save_model
from classifier.train import train_model

BATCH = 512


class ClassifyError(RuntimeError):
    pass


def _fail(command: str, exc: Exception) -> int:
    print(f"sellerwatch {command}: error: {exc}", file=sys.stderr)
    return 1


def train(args: argparse.Namespace) -> int:
    paths = args.data or training_files()
    if not paths:
        return _fail("train", DataError("no training data: pass --data FILE.jsonl"))
    try:
        model, cv = train_model(list(paths), seed=args.seed)
    except DataError as exc:
        return _fail("train", exc)
    target = args.model or DEFAULT_MODEL
    save_model(model, target)
    data = model.card["training_data"]
    print(format_metrics(cv))
    print(
        f"trained {model.version} on {data['documents']} documents "
        f"({', '.join(f'{k} {v}' for k, v in data['positives'].items())}, none {data['unlabelled']}); "
        f"leave-one-batch-out macro-F1 {cv['macro']['f1']:.3f}; thresholds "
        f"{', '.join(f'{k} {v:.2f}' for k, v in model.thresholds.items())}; saved to {target}"
    )
    return 0


def evaluate(args: argparse.Namespace) -> int:
    try:
        model = load_model(args.model)
        docs = read_jsonl(args.data, require_labels=True)
    except (ModelError, DataError) as exc:
        return _fail("evaluate", exc)
    scores, predicted = model.predict(docs)
    truth = label_matrix(docs)
    metrics = label_metrics(truth, predicted)
    errors = [
        {
            "id": doc["id"],
            "title": doc.get("title"),
            "expected": [lb for lb, t in zip(LABELS, truth[i], strict=True) if t],
            "predicted": [lb for lb, p in zip(LABELS, predicted[i], strict=True) if p],
            "scores": {lb: round(float(s), 3) for lb, s in zip(LABELS, scores[i], strict=True)},
        }
        for i, doc in enumerate(docs)
        if (truth[i] != predicted[i]).any()
    ]
    if args.json:
        print(
            json.dumps(
                {"model": model.version, "documents": len(docs), "metrics": metrics, "misclassified": errors},
                indent=2,
            )
        )
        return 0
    print(format_metrics(metrics))
    if errors:
        print(f"\nmisclassified ({len(errors)}):")
        for error in errors:
            print(
                f"  {error['id']}: expected {error['expected'] or '-'}, predicted "
                f"{error['predicted'] or '-'} {error['scores']}  {str(error['title'])[:60]}"
            )
    print(
        f"\nevaluated {model.version} on {len(docs)} documents: macro-F1 {metrics['macro']['f1']:.3f}, "
        f"micro-F1 {metrics['micro']['f1']:.3f}"
    )
    return 0


def label_rows(model: LabelModel, docs: list[dict[str, Any]], *, progress: bool = True):
    """Yield (doc, scores dict, labels list) in batches, with a progress bar on long work."""
    bar = tqdm(total=len(docs), unit="doc", disable=not progress or len(docs) < 200, file=sys.stderr)
    for start in range(0, len(docs), BATCH):
        batch = docs[start : start + BATCH]
        scores, predicted = model.predict(batch)
        for doc, row_scores, row_pred in zip(batch, scores, predicted, strict=True):
            yield (
                doc,
                {lb: float(s) for lb, s in zip(LABELS, row_scores, strict=True)},
                [lb for lb, p in zip(LABELS, row_pred, strict=True) if p],
            )
        bar.update(len(batch))
    bar.close()


def classify(args: argparse.Namespace) -> int:
    try:
        model = load_model(args.model)
    except ModelError as exc:
        return _fail("classify", exc)
    if args.input or args.output:
        if not (args.input and args.output):
            return _fail("classify", ClassifyError("--input and --output go together"))
        return _classify_file(model, args.input, args.output, explain=args.explain)
    from store import Store, StoreError

    try:
        store = Store.open(args.db, create=False)
    except StoreError as exc:
        return _fail("classify", exc)
    counts = classify_store(store, model)
    print(
        f"classified {counts['documents']} documents with {model.version}: "
        + ", ".join(f"{label} {counts[label]}" for label in LABELS)
        + f", none {counts['none']}"
    )
    return 0


def classify_store(store: Any, model: LabelModel) -> dict[str, int]:
    """Label what is new, changed, or was labelled by another model version."""
    docs = store.documents_to_classify(model.version)
    counts = {label: 0 for label in LABELS} | {"none": 0, "documents": len(docs)}
    rows = []
    for doc, scores, labels in label_rows(model, docs):
        rows.append((doc["id"], doc["content_hash"], scores, set(labels)))
        for label in labels:
            counts[label] += 1
        counts["none"] += not labels
    store.save_labels(model.version, rows)
    return counts


def _classify_file(model: LabelModel, source: Path, target: Path, *, explain: bool) -> int:
    try:
        docs = read_jsonl(source)
    except DataError as exc:
        return _fail("classify", exc)
    counts = dict.fromkeys(LABELS, 0)
    tmp = target.with_name(target.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for doc, scores, labels in label_rows(model, docs):
            record = {**doc, "labels": labels, "scores": scores, "model_version": model.version}
            if explain:
                record["explanation"] = model.explain(doc)
                print(f"{doc['id']}: {labels or '-'}", file=sys.stderr)
                for label, terms in record["explanation"].items():
                    print(f"   {label:18} {', '.join(t for t, _ in terms[:6])}", file=sys.stderr)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            for label in labels:
                counts[label] += 1
    tmp.replace(target)
    print(
        f"classified {len(docs)} documents into {target}: "
        + ", ".join(f"{label} {n}" for label, n in counts.items())
    )
    return 0
