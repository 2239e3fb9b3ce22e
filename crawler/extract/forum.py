"""Forum threads and posts from Discourse JSON and from phpBB / XenForo HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import html as lxml_html
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError, _Element

from crawler.extract.dates import parse_datetime

DISCOURSE_CHUNK = 20  # posts per topic request, Discourse's default


class ForumDataError(ValueError):
    """A forum response that cannot be read; ``reason`` is a short machine-readable cause."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Post:
    number: int
    author: str | None
    created: datetime | None
    text: str
    quoted_text: str = ""
    reply_to: int | None = None
    updated: datetime | None = None
    deleted: bool = False
    post_id: str | None = None

    def as_row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TopicSummary:
    """One row of a Discourse topic listing."""

    id: int
    slug: str
    title: str
    bumped_at: datetime | None
    posts_count: int
    views: int
    category_id: int | None


@dataclass
class Thread:
    url: str
    title: str
    category: str | None
    created: datetime | None
    last_activity: datetime | None
    reply_count: int
    views: int | None
    posts: list[Post] = field(default_factory=list)
    stream: list[int] = field(default_factory=list)  # Discourse post ids in thread order
    post_ids_seen: set[int] = field(default_factory=set)


# ----- Discourse -----------------------------------------------------------------------------
def load_json(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ForumDataError("malformed_json", f"{what}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ForumDataError("malformed_json", f"{what}: expected a JSON object")
    return data


def discourse_topic_list(data: dict[str, Any]) -> tuple[list[TopicSummary], str | None]:
    """Topics of a ``/latest.json`` page and the URL of the next page, if any."""
    topic_list = data.get("topic_list")
    if not isinstance(topic_list, dict):
        raise ForumDataError("malformed_json", "topic list: no 'topic_list' object")
    topics = []
    for topic in topic_list.get("topics") or []:
        if not isinstance(topic, dict) or "id" not in topic:
            continue
        topics.append(
            TopicSummary(
                id=int(topic["id"]),
                slug=str(topic.get("slug") or "topic"),
                title=str(topic.get("title") or topic.get("fancy_title") or ""),
                bumped_at=parse_datetime(topic.get("bumped_at") or topic.get("last_posted_at")),
                posts_count=int(topic.get("posts_count") or 0),
                views=int(topic.get("views") or 0),
                category_id=topic.get("category_id"),
            )
        )
    return topics, topic_list.get("more_topics_url")


def discourse_post(raw: dict[str, Any]) -> Post:
    cooked = raw.get("cooked") or ""
    own, quoted = split_quotes(cooked, quote_selector="aside.quote, blockquote")
    deleted = bool(raw.get("deleted_at") or raw.get("user_deleted"))
    return Post(
        number=int(raw.get("post_number") or 0),
        post_id=str(raw.get("id")) if raw.get("id") is not None else None,
        author=raw.get("username") or raw.get("name"),
        created=parse_datetime(raw.get("created_at")),
        updated=parse_datetime(raw.get("updated_at")),
        reply_to=raw.get("reply_to_post_number"),
        text="" if deleted else own,
        quoted_text="" if deleted else quoted,
        deleted=deleted,
    )


def discourse_thread(data: dict[str, Any], base_url: str) -> Thread:
    """A thread from ``/t/{slug}/{id}.json``: metadata, the first posts and the post stream."""
    if "post_stream" not in data or "id" not in data:
        raise ForumDataError("malformed_json", "topic: no 'post_stream' or 'id'")
    stream = data["post_stream"]
    posts = [discourse_post(p) for p in stream.get("posts") or [] if isinstance(p, dict)]
    slug = data.get("slug") or "topic"
    return Thread(
        url=urljoin(base_url, f"/t/{slug}/{data['id']}"),
        title=str(data.get("title") or data.get("fancy_title") or ""),
        category=str(data["category_id"]) if data.get("category_id") is not None else None,
        created=parse_datetime(data.get("created_at")),
        last_activity=parse_datetime(data.get("bumped_at") or data.get("last_posted_at")),
        reply_count=max(int(data.get("posts_count") or len(posts)) - 1, 0),
        views=data.get("views"),
        posts=posts,
        stream=[int(i) for i in stream.get("stream") or []],
        post_ids_seen={int(p["id"]) for p in stream.get("posts") or [] if "id" in p},
    )


def discourse_posts(data: dict[str, Any]) -> list[Post]:
    """Posts of a ``/t/{id}/posts.json`` response."""
    stream = data.get("post_stream")
    if not isinstance(stream, dict):
        raise ForumDataError("malformed_json", "posts: no 'post_stream' object")
    return [discourse_post(p) for p in stream.get("posts") or [] if isinstance(p, dict)]


# ----- HTML forums (phpBB, XenForo, and overrides) ---------------------------------------------
PHPBB = {
    "thread_links": "a.topictitle",
    "next_page": ".pagination a.next, .pagination li.next a, a[rel=next]",
    "post": "div.post",
    "post_author": ".author strong a, .author .username, .author .username-coloured, .postprofile dt a",
    "post_date": ".author time, p.author",
    "post_body": ".postbody .content, div.content",
    "post_quote": "blockquote",
}
XENFORO = {
    "thread_links": ".structItem-title a[href*='/threads/']",
    "next_page": "a.pageNav-jump--next, a[rel=next]",
    "post": "article.message--post",
    "post_author": ".message-name .username, .message-name",
    "post_date": "time.u-dt",
    "post_body": ".message-body .bbWrapper, .bbWrapper",
    "post_quote": "blockquote.bbCodeBlock--quote, blockquote",
}


def html_tree(page: str) -> _Element:
    try:
        return lxml_html.document_fromstring(page)
    except (ParserError, ValueError) as exc:
        raise ForumDataError("malformed_html", f"forum page cannot be parsed: {exc}") from exc


def forum_selectors(tree: _Element, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Selectors for this page: phpBB or XenForo defaults, with the source's overrides on top."""
    is_xenforo = bool(CSSSelector("article.message--post, .structItem-title")(tree))
    return {**(XENFORO if is_xenforo else PHPBB), **(overrides or {})}


def select(node: _Element, selector: str) -> list[Any]:
    if selector.startswith(("/", "(", "./")):
        return list(node.xpath(selector))
    return list(CSSSelector(selector)(node))


def html_thread_links(tree: _Element, base_url: str, selectors: dict[str, str]) -> list[tuple[str, str]]:
    links = []
    for anchor in select(tree, selectors["thread_links"]):
        href = anchor.get("href")
        if href:
            links.append((urljoin(base_url, href), " ".join(anchor.text_content().split())))
    return links


def html_next_page(tree: _Element, base_url: str, selectors: dict[str, str]) -> str | None:
    for anchor in select(tree, selectors["next_page"]):
        if anchor.get("href"):
            return urljoin(base_url, anchor.get("href"))
    return None


def html_posts(tree: _Element, selectors: dict[str, str], *, first_number: int = 1) -> list[Post]:
    """Posts on one page of an HTML thread, numbered from ``first_number``."""
    posts = []
    for offset, node in enumerate(select(tree, selectors["post"])):
        bodies = select(node, selectors["post_body"])
        if not bodies:
            continue
        body_html = lxml_html.tostring(bodies[0], encoding="unicode")
        own, quoted = split_quotes(body_html, quote_selector=selectors["post_quote"])
        author_nodes = select(node, selectors["post_author"])
        author = node.get("data-author") or (
            " ".join(author_nodes[0].text_content().split()) if author_nodes else None
        )
        created = None
        for date_node in select(node, selectors["post_date"]):
            created = parse_datetime(date_node.get("datetime") or date_node.get("data-time")) or (
                parse_datetime(" ".join(date_node.text_content().split()))
            )
            if created:
                break
        number = node.get("data-post-number") or node.get("data-number")
        posts.append(
            Post(
                number=int(number) if number and number.isdigit() else first_number + offset,
                post_id=node.get("id") or node.get("data-content"),
                author=author,
                created=created,
                text=own,
                quoted_text=quoted,
            )
        )
    return posts


def split_quotes(fragment: str, *, quote_selector: str) -> tuple[str, str]:
    """The post's own words and the text it quotes, apart; signatures dropped."""
    if not fragment.strip():
        return "", ""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return " ".join(fragment.split()), ""
    for node in select(root, ".signature, .sig, div.signature, aside.onebox, .quote-controls"):
        node.drop_tree()
    quoted_parts = []
    quotes = [q for q in select(root, quote_selector) if q.getparent() is not None]
    outermost = [q for q in quotes if not any(a in quotes for a in q.iterancestors())]
    for quote in outermost:
        for title in select(quote, ".title, cite"):
            title.drop_tree()
        quoted_parts.append(" ".join(quote.text_content().split()))
        quote.drop_tree()
    return _block_text(root), "\n\n".join(p for p in quoted_parts if p)


def _block_text(root: _Element) -> str:
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter("p", "div", "li", "h1", "h2", "h3", "h4", "pre"):
        block.tail = "\n" + (block.tail or "")
    lines = [" ".join(line.split()) for line in root.text_content().splitlines()]
    return "\n".join(line for line in lines if line)
