"""A small language guess from script and stop words, used when the page does not declare one."""

from __future__ import annotations

import re
from collections import Counter

_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
)
_STOP_WORDS = {
    "en": [
        "the",
        "and",
        "of",
        "to",
        "in",
        "is",
        "that",
        "for",
        "it",
        "with",
        "as",
        "was",
        "on",
        "are",
        "be",
        "this",
        "by",
        "have",
        "from",
    ],
    "de": [
        "der",
        "die",
        "und",
        "das",
        "ist",
        "nicht",
        "ein",
        "eine",
        "zu",
        "den",
        "mit",
        "von",
        "auf",
        "für",
        "sich",
        "dem",
        "des",
    ],
    "fr": [
        "le",
        "la",
        "les",
        "et",
        "des",
        "est",
        "une",
        "un",
        "du",
        "que",
        "pour",
        "dans",
        "pas",
        "qui",
        "sur",
        "au",
        "avec",
    ],
    "es": [
        "el",
        "la",
        "los",
        "las",
        "de",
        "que",
        "y",
        "en",
        "un",
        "una",
        "es",
        "por",
        "para",
        "con",
        "del",
        "se",
    ],
    "it": [
        "il",
        "la",
        "che",
        "di",
        "e",
        "un",
        "una",
        "per",
        "non",
        "con",
        "del",
        "della",
        "sono",
        "gli",
        "le",
    ],
    "pt": [
        "o",
        "a",
        "os",
        "as",
        "de",
        "que",
        "e",
        "do",
        "da",
        "em",
        "um",
        "uma",
        "para",
        "com",
        "não",
        "no",
        "na",
    ],
    "nl": ["de", "het", "een", "en", "van", "is", "dat", "op", "te", "niet", "met", "voor", "zijn", "er"],
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def guess_language(text: str) -> str | None:
    sample = text[:5000]
    if not sample.strip():
        return None
    letters = max(1, len(_WORD.findall(sample)))
    for language, pattern in _SCRIPTS:
        if len(pattern.findall(sample)) > letters * 0.3:
            return language
    words = Counter(w.lower() for w in _WORD.findall(sample))
    scores = {lang: sum(words[w] for w in stop) for lang, stop in _STOP_WORDS.items()}
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= 3 else None


def normalise_language(code: str | None) -> str | None:
    """``en-US`` → ``en``; ``zh_CN`` → ``zh``."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None
