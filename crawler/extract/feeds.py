"""Discover article URLs from RSS/Atom feeds and XML sitemaps, refusing XML entity bombs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

import feedparser
from lxml import etree

from crawler.extract.dates import parse_datetime

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


class FeedError(ValueError):
    """A feed or sitemap that cannot be used; ``reason`` is a short machine-readable cause."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    """A URL found in a feed or sitemap, with the dates the feed gives for it."""

    url: str
    lastmod: datetime | None = None
    published: datetime | None = None
    title: str | None = None


def refuse_entities(body: bytes, what: str) -> None:
    """Refuse XML that declares entities: the way to an entity-expansion ("billion laughs") bomb."""
    head = body[:65536]
    if _DOCTYPE.search(head) and _ENTITY_DECLARATION.search(head):
        raise FeedError(
            "xml_entity_bomb", f"{what} declares XML entities; refused (possible entity-expansion bomb)"
        )


def is_sitemap(body: bytes) -> bool:
    head = body[:2048].lower()
    return b"<urlset" in head or b"<sitemapindex" in head


def parse_feed(body: bytes, base_url: str) -> tuple[list[Link], str | None]:
    """Entries of an RSS or Atom feed as links, and a problem note when the XML was broken.

    A broken feed still yields the entries that could be read; the note says what was wrong.
    """
    refuse_entities(body, "feed")
    parsed = feedparser.parse(
        body, response_headers={"content-location": base_url, "content-type": "application/xml"}
    )
    problem = None
    harmless = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    if parsed.bozo and not isinstance(parsed.get("bozo_exception"), harmless):
        problem = f"feed is not valid RSS/Atom: {parsed.get('bozo_exception')}"
        if not parsed.entries:
            raise FeedError("malformed_feed", problem)
    links = []
    for entry in parsed.entries:
        href = entry.get("link") or entry.get("id")
        if not href:
            continue
        links.append(
            Link(
                url=urljoin(base_url, href.strip()),
                lastmod=parse_datetime(entry.get("updated")),
                published=parse_datetime(entry.get("published") or entry.get("updated")),
                title=entry.get("title"),
            )
        )
    return links, problem


def parse_sitemap(body: bytes, base_url: str) -> tuple[str, list[Link]]:
    """Return ('index', sitemaps) for a sitemap index or ('urlset', pages) for a sitemap."""
    refuse_entities(body, "sitemap")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError("malformed_sitemap", f"sitemap is not valid XML: {exc}") from exc
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError("malformed_sitemap", f"root element <{kind}> is not a sitemap")
    links = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        fields = {etree.QName(child).localname: child for child in node.iter() if isinstance(child.tag, str)}
        loc = fields.get("loc")
        if loc is None or not (loc.text or "").strip():
            continue
        news_date = fields.get("publication_date")
        lastmod = fields.get("lastmod")
        links.append(
            Link(
                url=urljoin(base_url, loc.text.strip()),
                lastmod=parse_datetime(lastmod.text if lastmod is not None else None),
                published=parse_datetime(news_date.text if news_date is not None else None),
                title=(fields["title"].text if "title" in fields else None),
            )
        )
    return ("index" if kind == "sitemapindex" else "urlset"), links


def sitemaps_from_robots(robots_txt: str, base_url: str) -> list[str]:
    return [
        urljoin(base_url, line.split(":", 1)[1].strip())
        for line in robots_txt.splitlines()
        if line.lower().startswith("sitemap:")
    ]
