"""Report sentences of ten or more words that appear in more than one document.

Usage: python scripts/check_corpus.py FILE.jsonl [FILE.jsonl ...]

Each line is a JSON object; its text is taken from ``text``, ``paragraphs`` or ``posts[].text``.
Exits 1 and lists the repeats when any sentence is shared by two documents.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")
WORD = re.compile(r"\w+", re.UNICODE)
MIN_WORDS = 10


def document_texts(record: dict) -> list[str]:
    """All prose of one record: title, text, paragraphs and forum posts."""
    parts = [record.get("title") or "", record.get("text") or ""]
    parts += record.get("paragraphs") or []
    parts += [post.get("text") or "" for post in record.get("posts") or []]
    return parts


def long_sentences(text: str) -> set[str]:
    found = set()
    for sentence in SENTENCE_END.split(text):
        words = WORD.findall(sentence.lower())
        if len(words) >= MIN_WORDS:
            found.add(" ".join(words))
    return found


def main(paths: list[str]) -> int:
    seen: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("syndicated_from"):
                continue
            doc = f"{path}:{record.get('id') or record.get('slug') or number}"
            for part in document_texts(record):
                for sentence in long_sentences(part):
                    seen[sentence].add(doc)
    repeats = {s: docs for s, docs in seen.items() if len(docs) > 1}
    for sentence, docs in sorted(repeats.items()):
        print(f"REPEATED in {sorted(docs)}: {sentence[:120]}")
    print(f"{len(seen)} distinct long sentences, {len(repeats)} repeated")
    return 1 if repeats else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
