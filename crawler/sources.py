"""Load and validate the sources file (TOML, one ``[[sources]]`` table per source)."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.extract.dates import zone

KINDS = ("news", "discourse", "forum")
EXTRACTION_FIELDS = ("title", "author", "published", "text", "body")
FORUM_SELECTOR_KEYS = (
    "thread_links",
    "next_page",
    "post",
    "post_author",
    "post_date",
    "post_body",
    "post_quote",
)


class SourcesError(ValueError):
    """The sources file is invalid; the message names the file, the source and the key."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    start_urls: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_url_pattern: str | None = None
    allowed_domains: tuple[str, ...] = ()
    extraction: dict[str, str] = field(default_factory=dict)
    forum_selectors: dict[str, str] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    platform: str | None = None
    max_pages: int | None = None
    recent_days: int = 3
    timezone: str | None = None  # the zone of times the site prints without an offset

    @property
    def article_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.article_url_pattern) if self.article_url_pattern else None


_SPEC: dict[str, tuple[type, bool]] = {
    "name": (str, True),
    "kind": (str, True),
    "start_urls": (list, True),
    "feeds": (list, False),
    "sitemaps": (list, False),
    "article_url_pattern": (str, False),
    "allowed_domains": (list, False),
    "extraction": (dict, False),
    "forum_selectors": (dict, False),
    "categories": (list, False),
    "platform": (str, False),
    "max_pages": (int, False),
    "recent_days": (int, False),
    "timezone": (str, False),
}


def load_sources(path: str | Path) -> list[Source]:
    """Read ``path`` and return its sources, or raise :class:`SourcesError` naming the problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"{path}: no such sources file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: not valid TOML: {exc}") from exc
    unknown_top = set(raw) - {"sources"}
    if unknown_top:
        raise SourcesError(f"{path}: unknown top-level key(s) {sorted(unknown_top)}")
    tables = raw.get("sources")
    if not isinstance(tables, list) or not tables:
        raise SourcesError(f"{path}: no [[sources]] tables")
    sources: list[Source] = []
    for index, table in enumerate(tables, 1):
        sources.append(_parse_source(path, index, table))
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise SourcesError(f"{path}: source {source.name!r}: duplicate name")
        seen.add(source.name)
    return sources


def select_sources(sources: list[Source], names: list[str] | None) -> list[Source]:
    if not names:
        return sources
    known = {s.name: s for s in sources}
    missing = [n for n in names if n not in known]
    if missing:
        raise SourcesError(f"unknown source(s) {missing}; the file has {sorted(known)}")
    return [known[n] for n in names]


def _parse_source(path: Path, index: int, table: dict[str, Any]) -> Source:
    label = f"source {table.get('name')!r}" if isinstance(table.get("name"), str) else f"source #{index}"

    def fail(key: str, problem: str) -> SourcesError:
        return SourcesError(f"{path}: {label}: key {key!r}: {problem}")

    for key in table:
        if key not in _SPEC:
            close = difflib.get_close_matches(key, _SPEC, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(key, f"unknown key{hint}")
    for key, (kind, required) in _SPEC.items():
        if key not in table:
            if required:
                raise fail(key, "missing")
            continue
        if not isinstance(table[key], kind) or (kind is int and isinstance(table[key], bool)):
            raise fail(key, f"expected {kind.__name__}, got {type(table[key]).__name__}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", table["name"]):
        raise fail("name", "use letters, digits, '.', '_' or '-'")
    if table["kind"] not in KINDS:
        raise fail("kind", f"{table['kind']!r} is not one of {', '.join(KINDS)}")
    urls: dict[str, tuple[str, ...]] = {}
    for key in ("start_urls", "feeds", "sitemaps"):
        values = table.get(key, [])
        for url in values:
            if (
                not isinstance(url, str)
                or urlsplit(url).scheme not in ("http", "https")
                or not urlsplit(url).hostname
            ):
                raise fail(key, f"{url!r} is not an http(s) URL")
        urls[key] = tuple(values)
    if not urls["start_urls"] and not urls["feeds"] and not urls["sitemaps"]:
        raise fail("start_urls", "a source needs at least one start URL, feed or sitemap")
    pattern = table.get("article_url_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise fail("article_url_pattern", f"bad regular expression: {exc}") from exc
    domains = table.get("allowed_domains")
    if domains is None:
        domains = sorted({_netloc(u) for values in urls.values() for u in values})
    for domain in domains:
        if not isinstance(domain, str) or not domain or "/" in domain:
            raise fail("allowed_domains", f"{domain!r} is not a domain name")
    extraction = table.get("extraction", {})
    for key, value in extraction.items():
        if key not in EXTRACTION_FIELDS or not isinstance(value, str):
            raise fail(
                f"extraction.{key}", f"fields are {', '.join(EXTRACTION_FIELDS)}, each a CSS or XPath string"
            )
    selectors = table.get("forum_selectors", {})
    for key, value in selectors.items():
        if key not in FORUM_SELECTOR_KEYS or not isinstance(value, str):
            raise fail(
                f"forum_selectors.{key}",
                f"keys are {', '.join(FORUM_SELECTOR_KEYS)}, each a CSS or XPath string",
            )
    if "timezone" in table:
        try:
            zone(table["timezone"])
        except ValueError as exc:
            raise fail("timezone", str(exc)) from exc
    for key in ("max_pages", "recent_days"):
        if key in table and table[key] < 0:
            raise fail(key, "must not be negative")
    return Source(
        name=table["name"],
        kind=table["kind"],
        start_urls=urls["start_urls"],
        feeds=urls["feeds"],
        sitemaps=urls["sitemaps"],
        article_url_pattern=pattern,
        allowed_domains=tuple(domains),
        extraction=dict(extraction),
        forum_selectors=dict(selectors),
        categories=tuple(str(c) for c in table.get("categories", [])),
        platform=table.get("platform"),
        max_pages=table.get("max_pages"),
        recent_days=table.get("recent_days", 3),
        timezone=table.get("timezone"),
    )


def _netloc(url: str) -> str:
    """Host, with the port when the URL names one (demo sites share 127.0.0.1 on many ports)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
