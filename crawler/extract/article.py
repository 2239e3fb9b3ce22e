"""Extract an article from a page: title, author, dates, body text, language, canonical URL, tags.

Metadata comes from what the page states most explicitly (JSON-LD, then ``og:``/``article:``
meta tags, then ``<time>``, then visible text and the URL through htmldate). The body comes from
trafilatura, tuned for precision. Per-source overrides (CSS or XPath per field) win over both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin

import trafilatura
from htmldate import find_date
from lxml import html as lxml_html
from lxml.etree import ParserError, XPath, XPathError, _Element
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from crawler.extract.dates import parse_datetime
from crawler.extract.language import guess_language, normalise_language

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "techarticle",
    "report",
    "webpage",
    "discussionforumposting",
    "posting",
}
_TITLE_SEPARATORS = re.compile(r"(?:\s+[|–—-]\s+|_)[^|–—_-]{2,60}$")
_SPACES = re.compile(r"[ \t\u00a0]+")

# XPath expressions compiled once, not on every page.
_JSONLD_SCRIPTS = XPath('//script[@type="application/ld+json"]')
_META_WITH_CONTENT = XPath("//meta[@content]")
_HEADINGS = XPath("//article//h1|//h1")
_AUTHOR_NODES = XPath(
    '//*[@rel="author"]|//*[@itemprop="author"]|//*[contains(@class,"author-name")]'
    '|//*[contains(@class,"byline")]//*[contains(@class,"author")]'
)
_INFO_LINES = XPath('//*[contains(@class,"info") or contains(@class,"meta") or contains(@class,"byline")]')
_DATE_LINES = XPath(
    '//*[contains(@class,"date") or contains(@class,"time") or contains(@class,"meta")'
    ' or contains(@class,"info")]'
)
_CANONICAL_URLS = (XPath('//link[@rel="canonical"]/@href'), XPath('//meta[@property="og:url"]/@content'))


@dataclass
class ExtractedArticle:
    url: str | None
    title: str
    author: str | None
    published: datetime | None
    updated: datetime | None
    text: str
    language: str | None
    canonical_url: str | None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    page_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("published", "updated"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def extract_article(
    page: str,
    url: str | None = None,
    *,
    overrides: dict[str, str] | None = None,
    timezone: tzinfo = UTC,
) -> ExtractedArticle:
    """Extract one article from the HTML text ``page`` found at ``url``.

    The page is parsed once, as trafilatura parses it: metadata is read from that tree and
    trafilatura works on copies of it.
    """
    body_tree = _trafilatura_tree(page)
    tree = body_tree.getroottree().getroot() if body_tree is not None else _parse(page)
    jsonld = _jsonld_article(tree) if tree is not None else {}
    meta = _meta_tags(tree) if tree is not None else {}
    overrides = overrides or {}

    title = _override(tree, overrides.get("title")) or _title(tree, jsonld, meta)
    author = _override(tree, overrides.get("author")) or _author(jsonld, meta, tree)
    published = parse_datetime(_override(tree, overrides.get("published")), default_tz=timezone)
    published = published or _published(tree, page, url, jsonld, meta, timezone)
    updated = parse_datetime(
        jsonld.get("dateModified") or meta.get("article:modified_time") or meta.get("og:updated_time"),
        default_tz=timezone,
    )
    body_selector = overrides.get("text") or overrides.get("body")
    text = _override_body(tree, body_selector) if body_selector else None
    language_hint = tree.get("lang") if tree is not None else None
    canonical = _canonical(tree, url)
    tags = _tags(jsonld, meta, tree)
    if text is None:
        # a page trafilatura cannot parse has no body text for it either
        text = body_text(body_tree, url) if body_tree is not None else ""
    text = _without_leading_title(text, title)
    language = normalise_language(
        jsonld.get("inLanguage") if isinstance(jsonld.get("inLanguage"), str) else None
    )
    language = language or normalise_language(language_hint)
    language = language or normalise_language(meta.get("og:locale")) or guess_language(text)
    return ExtractedArticle(
        url=url,
        title=title,
        author=author,
        published=published,
        updated=updated if updated and (not published or updated >= published) else None,
        text=text,
        language=language,
        canonical_url=canonical,
        tags=tags,
        description=meta.get("og:description") or meta.get("description"),
        page_type=_page_type(jsonld, meta),
    )


def body_text(page: str | HtmlElement, url: str | None = None) -> str:
    """The main text of a page without navigation, related lists, share bars and comments.

    ``page`` is HTML text or a tree parsed by trafilatura (which works on a copy). trafilatura in
    precision mode, first without its readability/justext comparison: when the main extractor
    finds a full-length body (``SHORT_BODY`` words or more) the comparison seldom changes it and
    costs as much as the extraction itself. A shorter result gets the full precision cascade, and
    when that still keeps under ``SHORT_BODY`` words the precise pass may have cut the article
    short (a body split across unusual containers): see ``_fuller_text``.
    """
    text = _trafilatura(page, url, favor_precision=True, fast=True)
    if _words(text) < SHORT_BODY:
        text = _trafilatura(page, url, favor_precision=True)
    if _words(text) < SHORT_BODY:
        text = _fuller_text(page, url, text)
    return clean_text(text)


SHORT_BODY = 150


def _fuller_text(page: str | HtmlElement, url: str | None, precise: str) -> str:
    """Balanced mode's text when it finds more than twice as much as ``precise``, else ``precise``.

    Balanced mode without its readability/justext comparison screens first. The full mode, often
    several times slower on a short page (trafilatura's recall escalation), runs only when the
    screen finds more than twice as much, and decides: the screen alone takes in boilerplate on
    some pages.
    """
    words = _words(precise)
    if _words(_trafilatura(page, url, favor_precision=False, fast=True)) <= 2 * words:
        return precise
    fuller = _trafilatura(page, url, favor_precision=False)
    return fuller if _words(fuller) > 2 * words else precise


def _words(text: str) -> int:
    return len(text.split())


def _trafilatura(
    page: str | HtmlElement, url: str | None, *, favor_precision: bool, fast: bool = False
) -> str:
    return (
        trafilatura.extract(
            page,
            url=url,
            fast=fast,
            favor_precision=favor_precision,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            with_metadata=False,
        )
        or ""
    )


def clean_text(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    paragraphs: list[str] = []
    for line in lines:
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def _without_leading_title(text: str, title: str) -> str:
    """Drop the headline when the body extractor picked it up as the first paragraph."""
    first, _, rest = text.partition("\n\n")
    if title and " ".join(first.split()) == " ".join(title.split()):
        return rest
    return text


def looks_like_article(extracted: ExtractedArticle, *, min_words: int = 120) -> bool:
    """Judge a page by its content when the source gives no article URL pattern."""
    if extracted.page_type in {"article", "newsarticle", "blogposting", "reportagenewsarticle"}:
        return bool(extracted.text)
    words = len(extracted.text.split()) or 0
    cjk = len(re.findall(r"[\u4e00-\u9fff\u3040-\u30ff]", extracted.text))
    substantial = words >= min_words or cjk >= min_words * 2
    return substantial and extracted.published is not None and bool(extracted.title)


# ----- helpers ------------------------------------------------------------------------------
def _trafilatura_tree(page: str) -> HtmlElement | None:
    """The tree trafilatura builds from ``page`` (for a fragment, its body), None if it rejects it."""
    return load_html(page) if page.strip() else None


def _parse(page: str) -> _Element | None:
    """The page's tree where trafilatura rejects the page (a bare fragment, say)."""
    if not page.strip():
        return None
    try:
        # Parse text, never re-encoded bytes: a page's <meta charset> must not re-decode it.
        return lxml_html.document_fromstring(page)
    except ValueError:  # a str with an XML encoding declaration
        return _parse_bytes(page)
    except ParserError:
        return None


def _parse_bytes(page: str) -> _Element | None:
    parser = lxml_html.HTMLParser(encoding="utf-8")
    try:
        return lxml_html.document_fromstring(page.encode("utf-8", "replace"), parser=parser)
    except (ParserError, ValueError):
        return None


def _select(tree: _Element, selector: str) -> list[Any]:
    if selector.startswith(("/", "(", "./")):
        return list(tree.xpath(selector))
    from lxml.cssselect import CSSSelector

    return list(CSSSelector(selector)(tree))


def _override(tree: _Element | None, selector: str | None) -> str | None:
    if tree is None or not selector:
        return None
    try:
        found = _select(tree, selector)
    except (XPathError, ValueError, SyntaxError):
        return None
    for node in found:
        value = node if isinstance(node, str) else " ".join(node.text_content().split())
        if str(value).strip():
            return str(value).strip()
    return None


def _override_body(tree: _Element | None, selector: str) -> str | None:
    if tree is None:
        return None
    try:
        nodes = [n for n in _select(tree, selector) if isinstance(n, _Element)]
    except (XPathError, ValueError, SyntaxError):
        return None
    if not nodes:
        return None
    paragraphs = []
    for node in nodes:
        blocks = node.xpath(".//p|.//li|.//h2|.//h3|.//blockquote") or [node]
        paragraphs += [" ".join(b.text_content().split()) for b in blocks]
    return clean_text("\n".join(p for p in paragraphs if p))


def _jsonld_article(tree: _Element) -> dict[str, Any]:
    for script in _JSONLD_SCRIPTS(tree):
        try:
            data = json.loads(script.text_content() or "")
        except (json.JSONDecodeError, TypeError):
            continue
        for node in _walk_jsonld(data):
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(str(k).lower() in ARTICLE_TYPES for k in kinds) and (
                node.get("headline") or node.get("datePublished")
            ):
                return node
    return {}


def _walk_jsonld(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [node for item in data for node in _walk_jsonld(item)]
    if isinstance(data, dict):
        nodes = [data]
        if isinstance(data.get("@graph"), list):
            nodes += _walk_jsonld(data["@graph"])
        return nodes
    return []


def _meta_tags(tree: _Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in _META_WITH_CONTENT(tree):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        if key and key not in found and node.get("content", "").strip():
            found[key] = node.get("content").strip()
    return found


def _title(tree: _Element | None, jsonld: dict[str, Any], meta: dict[str, str]) -> str:
    if tree is not None:
        for heading in _HEADINGS(tree):
            text = " ".join(heading.text_content().split())
            if 3 <= len(text) <= 300:
                return text
    for candidate in (jsonld.get("headline"), meta.get("og:title"), meta.get("twitter:title")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    if tree is not None:
        titles = tree.xpath("//title/text()")
        if titles:
            return _TITLE_SEPARATORS.sub("", " ".join(titles[0].split()))
    return ""


def _author(jsonld: dict[str, Any], meta: dict[str, str], tree: _Element | None) -> str | None:
    names: list[str] = []
    authors = jsonld.get("author")
    for author in authors if isinstance(authors, list) else [authors]:
        if isinstance(author, dict) and author.get("name"):
            names.append(str(author["name"]).strip())
        elif isinstance(author, str) and author.strip():
            names.append(author.strip())
    if names:
        return ", ".join(names)
    for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author"):
        value = meta.get(key)
        if value and not value.startswith("http"):
            return value
    if tree is not None:
        for node in _AUTHOR_NODES(tree):
            text = " ".join(node.text_content().split())
            text = re.sub(r"^(by|von|par|作者[:：]?)\s+", "", text, flags=re.IGNORECASE)
            if 2 <= len(text) <= 80:
                return text
        for node in _INFO_LINES(tree):
            match = _VISIBLE_AUTHOR.search(node.text_content())
            if match:
                return " ".join(match.group(1).split())
    return None


# "作者：Name" or "Author: Name" in a page's info line, up to the next field or a wide gap.
_VISIBLE_AUTHOR = re.compile(
    r"(?:作者|编辑|author|written by)\s*[:：]\s*(.{2,60}?)(?=\s{2,}|[\u00a0]{1,}|\s*(?:来源|时间|发布)|$)",
    re.IGNORECASE,
)


def _published(
    tree: _Element | None,
    page: str,
    url: str | None,
    jsonld: dict[str, Any],
    meta: dict[str, str],
    timezone: tzinfo,
) -> datetime | None:
    for candidate in _stated_dates(tree, jsonld, meta):
        parsed = parse_datetime(candidate, default_tz=timezone)
        if parsed:
            return parsed
    visible = _visible_date(tree, timezone)
    if visible:
        return visible
    try:
        found = find_date(
            page, url=url, original_date=True, extensive_search=True, outputformat="%Y-%m-%d %H:%M:%S"
        )
    except (ValueError, TypeError):
        found = None
    return parse_datetime(found, default_tz=timezone)


_META_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "dc.date",
    "date",
)
_DATE_XPATHS = tuple(
    XPath(path)
    for path in (
        "//article//time/@datetime|//time[@pubdate]/@datetime",
        '//*[@itemprop="datePublished"]/@content',
        "//time/@datetime",
    )
)


def _stated_dates(tree: _Element | None, jsonld: dict[str, Any], meta: dict[str, str]) -> Iterator[Any]:
    """Publication dates the page states, most explicit first; the tree is searched only when needed."""
    yield jsonld.get("datePublished")
    yield from (meta.get(key) for key in _META_DATE_KEYS)
    if tree is not None:
        for path in _DATE_XPATHS:
            yield from path(tree)


_VISIBLE_DATE = re.compile(
    r"(?:published|posted|发布时间|发布日期|发表于|时间|date)\s*[:：]?\s*"
    r"((?:19|20)\d\d[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d\d(?::\d\d)?)?)",
    re.IGNORECASE,
)


def _visible_date(tree: _Element | None, timezone: tzinfo) -> datetime | None:
    if tree is None:
        return None
    for node in _DATE_LINES(tree):
        match = _VISIBLE_DATE.search(" ".join(node.text_content().split()))
        if match:
            return parse_datetime(match.group(1), default_tz=timezone)
    return None


def _canonical(tree: _Element | None, url: str | None) -> str | None:
    if tree is None:
        return url
    for href in (href for path in _CANONICAL_URLS for href in path(tree)):
        href = href.strip()
        if href:
            return urljoin(url or "", href)
    return url


def _tags(jsonld: dict[str, Any], meta: dict[str, str], tree: _Element | None) -> list[str]:
    keywords = jsonld.get("keywords")
    tags: list[str] = []
    if isinstance(keywords, list):
        tags = [str(k).strip() for k in keywords]
    elif isinstance(keywords, str):
        tags = [k.strip() for k in keywords.split(",")]
    if not tags and tree is not None:
        tags = [t.strip() for t in tree.xpath('//meta[@property="article:tag"]/@content')]
    if not tags and meta.get("keywords"):
        tags = [k.strip() for k in meta["keywords"].split(",")]
    return [t for t in dict.fromkeys(tags) if t]


def _page_type(jsonld: dict[str, Any], meta: dict[str, str]) -> str | None:
    kind = jsonld.get("@type")
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    if kind:
        return str(kind).lower()
    return meta.get("og:type", "").lower() or None
