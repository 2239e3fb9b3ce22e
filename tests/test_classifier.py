"""The training corpus, the model artifact and its card, the commands, and the quality gate."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from datasketch import MinHash, MinHashLSH

from classifier.data import data_hash, label_matrix, load_labelled, read_jsonl, training_files
from classifier.labels import LABELS
from classifier.persist import DEFAULT_MODEL, ModelError, card_path, load_model
from demoworld.content import articles, threads

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"\w+")
SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|\n+")


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return load_labelled(training_files())


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_corpus_size_and_label_balance(corpus: list[dict]) -> None:
    counts = Counter(label for doc in corpus for label in doc["labels"])
    assert len(corpus) >= 800
    assert all(counts[label] >= 150 for label in LABELS), counts
    assert sum(1 for doc in corpus if not doc["labels"]) >= 350
    assert sum(1 for doc in corpus if len(doc["labels"]) >= 2) >= 100
    assert len({doc["id"] for doc in corpus}) == len(corpus)
    lengths = [len(doc["text"].split()) for doc in corpus]
    assert min(lengths) <= 40 and max(lengths) >= 700
    assert len({doc["platform"] for doc in corpus}) >= 11
    assert {doc["kind"] for doc in corpus} == {"news", "forum"}


def _long_sentences(text: str) -> set[str]:
    found = set()
    for sentence in SENTENCE.split(text):
        words = WORD.findall(sentence.lower())
        if len(words) >= 10:
            found.add(" ".join(words))
    return found


def test_no_long_sentence_appears_in_two_documents(corpus: list[dict]) -> None:
    owner: dict[str, str] = {}
    repeats = []
    for doc in corpus:
        for sentence in _long_sentences(doc["title"] + "\n" + doc["text"]):
            if sentence in owner and owner[sentence] != doc["id"]:
                repeats.append((owner[sentence], doc["id"], sentence[:80]))
            owner.setdefault(sentence, doc["id"])
    assert repeats == []


def _minhash(text: str) -> MinHash:
    words = WORD.findall(text.lower())
    signature = MinHash(num_perm=128, seed=3)
    signature.update_batch(" ".join(words[i : i + 5]).encode() for i in range(max(len(words) - 4, 1)))
    return signature


def test_no_near_duplicates_in_the_corpus_or_with_the_demo_world(corpus: list[dict]) -> None:
    """Written as whole pieces: no document is a template variation of another (MinHash, 5-grams)."""
    index = MinHashLSH(threshold=0.5, num_perm=128)
    for doc in corpus:
        signature = _minhash(doc["title"] + " " + doc["text"])
        clashes = index.query(signature)
        assert clashes == [], (doc["id"], clashes)
        index.insert(doc["id"], signature)
    demo_texts = [" ".join(a.paragraphs) for site in articles().values() for a in site if a.paragraphs]
    demo_texts += [" ".join(p.text for p in t.posts) for forum in threads().values() for t in forum]
    training_sentences = set().union(*(_long_sentences(d["text"]) for d in corpus))
    for text in demo_texts:
        assert index.query(_minhash(text)) == []
        assert not (_long_sentences(text) & training_sentences)


def test_second_reading_agreement_is_recorded() -> None:
    datasheet = (ROOT / "data" / "training" / "DATASHEET.md").read_text(encoding="utf-8")
    assert "agreement" in datasheet.lower()
    for path in training_files():
        review = ROOT / "data" / "training" / "review" / f"{path.stem}.second.jsonl"
        assert review.exists(), f"{path.name} has no second reading"
        ids = {json.loads(line)["id"] for line in review.read_text(encoding="utf-8").splitlines()}
        assert {d["id"] for d in read_jsonl(path)} <= ids


def test_model_card_pins_the_training_data(model) -> None:
    card = model.card
    assert card["labels"] == list(LABELS)
    assert card["training_data"]["sha256"] == data_hash(training_files()), "retrain: sellerwatch train"
    assert set(card["thresholds"]) == set(LABELS)
    assert card["cross_validation"]["metrics"]["macro"]["f1"] >= 0.85


def test_seed_article_gets_all_three_labels(model, shared: Path) -> None:
    text = (shared / "seed" / "amazon-apologizes-for-system-failure.txt").read_text(encoding="utf-8")
    body = text.split("\nAmazon Platform\n", 1)[0]
    _, predicted = model.predict(
        [{"id": "seed", "title": "Amazon apologizes for system failure", "text": body}]
    )
    assert [label for label, p in zip(LABELS, predicted[0], strict=True) if p] == list(LABELS)


def test_training_is_deterministic(corpus: list[dict], tmp_path: Path) -> None:
    from classifier.data import model_input
    from classifier.model import build_pipeline

    sample = corpus[::4]
    texts, y = [model_input(d) for d in sample], label_matrix(sample)
    first = build_pipeline(7).fit(texts, y).predict_proba(texts[:20])
    second = build_pipeline(7).fit(texts, y).predict_proba(texts[:20])
    assert (first == second).all()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "card_labels", "card_missing", "sklearn_version"])
def test_a_damaged_model_fails_with_a_clear_message(tmp_path: Path, damage: str, model) -> None:
    model_file = tmp_path / "m.skops"
    model_file.write_bytes(DEFAULT_MODEL.read_bytes())
    card = json.loads(card_path(DEFAULT_MODEL).read_text())
    if damage == "truncate":
        model_file.write_bytes(DEFAULT_MODEL.read_bytes()[:5000])
    elif damage == "garbage":
        model_file.write_bytes(b"not a model at all")
    elif damage == "card_labels":
        card["labels"] = ["spam", "ham"]
    elif damage == "sklearn_version":
        card["versions"]["scikit-learn"] = "0.24.2"
    if damage in ("card_labels", "sklearn_version") or damage != "card_missing":
        card_path(model_file).write_text(json.dumps(card))
    with pytest.raises(ModelError) as error:
        load_model(model_file)
    assert str(model_file) in str(error.value) or str(card_path(model_file)) in str(error.value)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sellerwatch.cli",
            "evaluate",
            "--data",
            str(ROOT / "data" / "training" / "b1.jsonl"),
            "--model",
            str(model_file),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "error:" in run.stderr


def test_classify_file_and_explain(tmp_path: Path) -> None:
    docs = [
        {
            "id": "x1",
            "url": "https://n.example/1",
            "source": "n",
            "published": "2026-01-05",
            "title": "Walmart removes dozens of brands from its Brand Portal",
            "text": "Walmart deleted brand listings and revoked Brand Portal access for sellers that lacked "
            "registered trademarks, a move sellers called a purge of brands.",
        },
        {
            "id": "x2",
            "url": "https://n.example/2",
            "source": "n",
            "published": "2026-01-06",
            "title": "Five packaging ideas for the holidays",
            "text": "Gift wrap and inserts that delight buyers.",
        },
    ]
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(d) + "\n" for d in docs))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sellerwatch.cli",
            "classify",
            "--input",
            str(source),
            "--output",
            str(target),
            "--explain",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in target.read_text().splitlines()]
    assert "brand_removal" in out[0]["labels"] and out[1]["labels"] == []
    assert set(out[0]["scores"]) == set(LABELS)
    assert any("brand" in term for term, _ in out[0]["explanation"]["brand_removal"])
    assert "classified 2 documents" in run.stdout


def test_quality_gate_on_real_articles(model, shared: Path) -> None:
    """Per-label F1 on held-out real articles may not fall below the pinned floors."""
    from classifier.metrics import label_metrics

    baseline = json.loads((Path(__file__).parent / "baselines" / "classifier.json").read_text())
    dev_file = shared / "benchmarks" / "seller-news-real" / "dev.jsonl"
    assert data_hash([dev_file]) == baseline["dev_sha256"]
    assert model.card["training_data"]["sha256"] == baseline["training_sha256"]
    dev = read_jsonl(dev_file, require_labels=True)
    _, predicted = model.predict(dev)
    metrics = label_metrics(label_matrix(dev), predicted)
    for label in LABELS:
        assert metrics[label]["f1"] >= baseline["dev_f1_floor"][label], (label, metrics[label])
    assert metrics["macro"]["f1"] >= baseline["dev_f1_floor"]["macro"]
    for label in LABELS:
        cv = model.card["cross_validation"]["metrics"][label]["f1"]
        assert cv >= baseline["cv_f1_floor"][label], (label, cv)
