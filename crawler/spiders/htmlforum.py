"""The HTML-forum spider (phpBB, XenForo, or any forum through selectors in the sources file)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import Response

from crawler.extract.decode import UndecodableError, decode_html
from crawler.extract.forum import (
    ForumDataError,
    Post,
    forum_selectors,
    html_next_page,
    html_posts,
    html_thread_links,
    html_tree,
)
from crawler.items import Document
from crawler.middlewares import host_allowed
from crawler.spiders.base import SourceSpider

_REPLIES = re.compile(r"(\d[\d,]*)\s*(?:replies|reply|antworten|réponses)", re.IGNORECASE)


def thread_key(url: str) -> str:
    """The thread URL without its page offset, so every page of a thread is one document."""
    return re.sub(r"[?&](start|page)=\d+", "", url).rstrip("?&")


class HtmlForumSpider(SourceSpider):
    """Walks forum listings and fetches threads whose reply count moved since the last run."""

    name = "htmlforum"

    async def start(self) -> AsyncIterator[Request]:
        for url in self.source.start_urls:
            yield self.request(url, self.parse_listing, meta={"page": 1})

    def page_tree(self, response: Response):
        text, _ = decode_html(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
        return html_tree(text)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        try:
            tree = self.page_tree(response)
        except (ForumDataError, UndecodableError) as exc:
            self.record_failure(response.url, getattr(exc, "reason", "undecodable"), str(exc))
            return
        selectors = forum_selectors(tree, self.source.forum_selectors)
        self.crawler.stats.inc_value("pages/listings")
        links = html_thread_links(tree, response.url, selectors)
        if not links and response.meta["page"] == 1:
            self.record_failure(response.url, "empty_forum", "the forum lists no threads")
        replies = self.reply_counts(tree, selectors, response.url)
        bumped = 0
        for url, _title in links:
            if not host_allowed(url, self.allowed_hosts):
                continue
            key = thread_key(url)
            known = self.known.get(key)
            count = replies.get(url)
            if known and count is not None and (known.get("extra") or {}).get("reply_count") == count:
                self.crawler.stats.inc_value("skipped/unchanged_topic")
                continue
            bumped += 1
            yield self.request(url, self.parse_thread, meta={"thread": key, "posts": [], "replies": count})
        next_url = html_next_page(tree, response.url, selectors)
        if next_url and not (self.incremental and bumped == 0):
            yield self.request(next_url, self.parse_listing, meta={"page": response.meta["page"] + 1})

    def reply_counts(self, tree, selectors: dict[str, str], base_url: str) -> dict[str, int]:
        """Thread URL → reply count as the listing row shows it."""
        counts: dict[str, int | None] = {}
        rows = tree.xpath('//li[contains(@class,"row")]|//div[contains(@class,"structItem--thread")]|//tr')
        for row in rows:
            anchors = [a for a in row.xpath(".//a[@href]") if a.get("href")]
            match = _REPLIES.search(" ".join(row.text_content().split()))
            posts_cell = row.xpath('.//dd[contains(@class,"posts")]')
            number = None
            if posts_cell:
                digits = re.findall(r"\d[\d,]*", posts_cell[0].text_content())
                number = int(digits[0].replace(",", "")) if digits else None
            elif match:
                number = int(match.group(1).replace(",", ""))
            if number is None:
                continue
            for anchor in anchors:
                counts[urljoin(base_url, anchor.get("href"))] = number
        return {k: v for k, v in counts.items() if v is not None}

    def parse_thread(self, response: Response) -> Iterator[Request | Document]:
        try:
            tree = self.page_tree(response)
        except (ForumDataError, UndecodableError) as exc:
            self.record_failure(response.url, getattr(exc, "reason", "undecodable"), str(exc))
            return
        self.crawler.stats.inc_value("pages/thread_pages")
        selectors = forum_selectors(tree, self.source.forum_selectors)
        posts: list[Post] = response.meta["posts"]
        if not posts:
            response.meta["title"] = self.thread_title(tree)
        posts += html_posts(tree, selectors, first_number=len(posts) + 1)
        next_url = html_next_page(tree, response.url, selectors)
        if next_url and thread_key(next_url) == response.meta["thread"]:
            carried = {k: response.meta[k] for k in ("thread", "replies", "title") if k in response.meta}
            yield self.request(next_url, self.parse_thread, meta={**carried, "posts": posts})
            return
        yield self.thread_document(response.meta, posts)

    def thread_title(self, tree) -> str:
        """phpBB's topic title, XenForo's page title, then the first heading."""
        for query in (
            "//h2[contains(@class,'topic-title')]",
            "//h1[contains(@class,'p-title-value')]",
            "//h1",
            "//title",
        ):
            nodes = tree.xpath(query)
            if nodes:
                return " ".join(nodes[0].text_content().split())
        return ""

    def thread_document(self, meta: dict, posts: list[Post]) -> Document:
        opening = posts[0] if posts else None
        last = max((p.created for p in posts if p.created), default=None)
        return Document(
            url=meta["thread"],
            source=self.source.name,
            kind="forum",
            title=meta.get("title", ""),
            text=opening.text if opening else "",
            author=opening.author if opening else None,
            published=opening.created if opening else None,
            platform=self.source.platform,
            extra={
                "forum": "html",
                "reply_count": meta.get("replies")
                if meta.get("replies") is not None
                else max(len(posts) - 1, 0),
                "last_activity": last.isoformat() if last else None,
            },
            posts=[p.as_row() for p in posts],
        )
