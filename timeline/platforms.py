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
_ANY_COUNTRY = "|".join(f"(?P<{code}>{pattern})" for code, pattern in COUNTRIES.items())
# A country next to a marketplace word ("UK sellers", "German store") or after a platform
# ("Amazon Japan"); the second alternative's groups are prefixed with x to keep names unique.
_COUNTRY_NEAR = re.compile(
    rf"(?:{_ANY_COUNTRY})[\w\s'-]{{0,12}}(?:store|site|marketplace|sellers?)"
    rf"|(?:amazon|ebay|shopee|tiktok shop|walmart)[\s-]*(?:{_ANY_COUNTRY.replace('?P<', '?P<x')})",
    re.IGNORECASE,
)
TITLE_WEIGHT = 3
LEAD_CHARS = 1500  # the opening of a text says what it is about
COUNTRY_LEAD_CHARS = 400  # "Amazon UK sellers ...": the country comes with the first mention


def platform_scores(title: str, text: str) -> dict[str, float]:
    """Mentions of each platform, weighted: title 3, the opening of the text 1, the rest 0.3."""
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
        in_title = [name for name in scores if _PATTERNS[name].search(title or "")]
        if second_score >= 0.75 * best_score and (len(in_title) != 1):
            return "multiple"
    return best


_COUNTRY_HINT = re.compile(
    r"\b(?:US|U\.S|UK|United|Britain|America|German|Deutschland|France|French|Ital|Spain|Spanish|Japan|India"
    r"|Canad|Mexic|Australia|Malaysia|Singapore|Brazil)|\.com\b|\.co\.uk|\.de\b"
)  # case-sensitive on purpose: names of countries are capitalised, and it is several times faster


def detect_country(platform: str, title: str, text: str) -> str | None:
    if platform in ("other", "multiple"):
        return None
    sample = f"{title}\n{text[:COUNTRY_LEAD_CHARS]}"
    if not _COUNTRY_HINT.search(sample):  # a cheap look first; most texts name no country
        return None
    hits: dict[str, int] = {}
    for match in _COUNTRY_NEAR.finditer(sample):
        code = (match.lastgroup or "").removeprefix("x")
        hits[code] = hits.get(code, 0) + 1
    return max(hits, key=lambda k: (hits[k], k)) if hits else None


def with_platforms(docs: pd.DataFrame) -> pd.DataFrame:
    """Add ``platform`` (a given value wins) and, for labelled documents, ``country``."""
    docs = docs.copy()
    given = docs["platform"] if "platform" in docs else pd.Series(None, index=docs.index, dtype=object)
    titles, texts = docs["title"].fillna(""), docs["text"].fillna("")
    docs["platform"] = [
        g if isinstance(g, str) and g else detect_platform(t, x)
        for g, t, x in zip(given, titles, texts, strict=True)
    ]
    # The country matters for incidents; looking for it in every unlabelled page costs more than it tells.
    labelled = docs["labels"].map(bool) if "labels" in docs else pd.Series(True, index=docs.index)
    docs["country"] = pd.Series(pd.NA, index=docs.index, dtype="string")
    subset = docs.loc[labelled.astype(bool)]
    docs.loc[subset.index, "country"] = [
        detect_country(p, t, x)
        for p, t, x in zip(
            subset["platform"], subset["title"].fillna(""), subset["text"].fillna(""), strict=True
        )
    ]
    return docs
