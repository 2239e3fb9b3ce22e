"""Which marketplace a document is about, and its country where the text says so."""

from __future__ import annotations

import re

import pandas as pd

PLATFORMS: dict[str, str] = {
    "amazon": r"amazon|亚马逊|\bFBA\b|seller central|brand registry",
    "ebay": r"\bebay\b",
    "walmart": r"walmart|沃尔玛",
    "etsy": r"\betsy\b",
    "shopify": r"shopify",
    "tiktok_shop": r"tiktok|tik tok",
    "temu": r"\btemu\b",
    "shein": r"\bshein\b",
    "aliexpress": r"aliexpress|速卖通",
    "shopee": r"shopee|虾皮",
    "lazada": r"lazada",
    "mercado_libre": r"mercado ?libre|mercadolibre",
}
_PATTERNS = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in PLATFORMS.items()}
COUNTRIES = {
    "US": r"\bUS\b|\bU\.S\.|United States|\.com\b|America",
    "UK": r"\bUK\b|United Kingdom|Britain|\.co\.uk",
    "DE": r"German|\.de\b|Deutschland",
    "FR": r"\bFrance\b|French",
    "IT": r"\bItal",
    "ES": r"\bSpain\b|Spanish",
    "JP": r"\bJapan",
    "IN": r"\bIndia\b",
    "CA": r"\bCanad",
    "MX": r"\bMexic",
    "AU": r"\bAustralia",
    "MY": r"\bMalaysia",
    "SG": r"\bSingapore",
    "BR": r"\bBrazil",
}
_COUNTRY_NEAR = {
    code: re.compile(
        rf"(?:{pattern})[\w\s'-]{{0,12}}(?:store|site|marketplace|sellers?)|"
        rf"(?:amazon|ebay|shopee|tiktok shop|walmart)[\s-]*(?:{pattern})",
        re.IGNORECASE,
    )
    for code, pattern in COUNTRIES.items()
}
TITLE_WEIGHT = 3
LEAD_CHARS = 1500  # the opening of a text says what it is about


def platform_scores(title: str, text: str) -> dict[str, float]:
    lead, rest = text[:LEAD_CHARS], text[LEAD_CHARS:]
    scores = {}
    for name, pattern in _PATTERNS.items():
        score = (
            TITLE_WEIGHT * len(pattern.findall(title))
            + 1.0 * len(pattern.findall(lead))
            + 0.3 * len(pattern.findall(rest))
        )
        if score:
            scores[name] = score
    return scores


def detect_platform(title: str, text: str, source_platform: str | None = None) -> str:
    """The marketplace a document is mostly about: ``multiple`` when two share the story."""
    scores = platform_scores(title or "", text or "")
    if not scores:
        return source_platform or "other"
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    best, best_score = ranked[0]
    if len(ranked) > 1:
        _second, second_score = ranked[1]
        in_title = [n for n in scores if _PATTERNS[n].search(title or "")]
        if second_score >= 0.75 * best_score and (len(in_title) != 1):
            return "multiple"
    return best


def detect_country(platform: str, title: str, text: str) -> str | None:
    if platform in ("other", "multiple"):
        return None
    sample = f"{title}\n{text[:LEAD_CHARS]}"
    hits = {code: len(p.findall(sample)) for code, p in _COUNTRY_NEAR.items()}
    hits = {k: v for k, v in hits.items() if v}
    return max(hits, key=lambda k: (hits[k], k)) if hits else None


def with_platforms(docs: pd.DataFrame) -> pd.DataFrame:
    """Add ``platform`` (a given value wins) and ``country`` columns."""
    docs = docs.copy()
    given = docs["platform"] if "platform" in docs else pd.Series(None, index=docs.index, dtype=object)
    detected = [
        detect_platform(t, x) for t, x in zip(docs["title"].fillna(""), docs["text"].fillna(""), strict=True)
    ]
    docs["platform"] = [g if isinstance(g, str) and g else d for g, d in zip(given, detected, strict=True)]
    docs["country"] = [
        detect_country(p, t, x)
        for p, t, x in zip(docs["platform"], docs["title"].fillna(""), docs["text"].fillna(""), strict=True)
    ]
    return docs
