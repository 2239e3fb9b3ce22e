"""Classifier benchmark: F1 on held-out real articles, cross-validated F1, training time, throughput.

    python -m benchmarks.classifier [--shared ../shared] [--documents 100000]

The baseline measured in the same run is a keyword list (a document gets a label when it uses
one of the label's words), the kind of rule a team would write before having a model.
Throughput: ``classify`` on N documents resampled from the training corpus, against the cost
of extracting one article (trafilatura-based extractor on the extraction benchmark's pages).
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import random
import re
import time
from pathlib import Path

import numpy as np

from classifier.data import label_matrix, load_labelled, read_jsonl, training_files
from classifier.labels import LABELS
from classifier.metrics import format_metrics, label_metrics
from classifier.persist import load_model
from classifier.train import train_model

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "brand_removal": (
        r"brands? (?:were |was )?(?:removed|delisted|banned|suspended)|removed .{0,30}brands?|brand registry"
    ),
    "apology": r"apologi[sz]|sorry|regret|our mistake|system (?:error|failure|glitch)",
    "policy_tightening": r"stricter|tighten|crack ?down|must now|new requirement|verification|compliance",
}


def keyword_baseline(docs: list[dict]) -> np.ndarray:
    patterns = [re.compile(KEYWORDS[label], re.IGNORECASE) for label in LABELS]
    return np.array([[int(bool(p.search(f"{d['title']} {d['text']}"))) for p in patterns] for d in docs])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    model = load_model()
    dev = read_jsonl(args.shared / "benchmarks" / "seller-news-real" / "dev.jsonl", require_labels=True)
    truth = label_matrix(dev)
    _, predicted = model.predict(dev)
    print(f"\n== held-out real articles ({len(dev)}), model {model.version}")
    print(format_metrics(label_metrics(truth, predicted)))
    print("\n== baseline: keyword list, same articles")
    print(format_metrics(label_metrics(truth, keyword_baseline(dev))))
    cv = model.card["cross_validation"]
    print(
        f"\n== {cv['scheme']} on the training corpus ({model.card['training_data']['documents']} documents)"
    )
    print(format_metrics(cv["metrics"]))

    paths = training_files()
    start = time.perf_counter()
    train_model(paths)
    print(f"\ntraining time (cross-validated thresholds + final fit): {time.perf_counter() - start:.1f} s")

    corpus = load_labelled(paths)
    sample = [random.Random(i).choice(corpus) for i in range(args.documents)]
    start = time.perf_counter()
    for offset in range(0, len(sample), 2048):
        model.predict(sample[offset : offset + 2048])
    seconds = time.perf_counter() - start
    per_doc = seconds / len(sample)
    print(
        f"classify: {len(sample):,} documents in {seconds:.1f} s = {len(sample) / seconds:,.0f} documents/s"
    )

    from crawler.extract.article import extract_article

    bench = args.shared / "benchmarks" / "article-extraction"
    truth_pages = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [gzip.decompress((bench / "html" / f"{k}.html.gz").read_bytes()).decode() for k in truth_pages]
    start = time.perf_counter()
    for page in pages:
        extract_article(page)
    extract_cost = (time.perf_counter() - start) / len(pages)
    print(
        f"extraction: {1 / extract_cost:.0f} pages/s; classification costs {per_doc / extract_cost:.1%} "
        "of extraction per document (target < 10%)"
    )


if __name__ == "__main__":
    main()
