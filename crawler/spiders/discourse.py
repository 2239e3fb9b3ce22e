"""The Discourse spider: topic listings → topics → the rest of each long topic's post stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode, urljoin

from scrapy import Request
from scrapy.http import Response

from crawler.extract.forum import (
    DISCOURSE_CHUNK,
    ForumDataError,
    Post,
    Thread,
    discourse_posts,
    discourse_thread,
    discourse_topic_list,
    load_json,
)
from crawler.items import Document
from crawler.spiders.base import SourceSpider
from store.db import document_id

# Discourse's documented default for anonymous clients is 200 requests a minute per IP.
DEFAULT_DELAY = 0.35


class DiscourseSpider(SourceSpider):
    """Walks ``/latest.json`` and fetches only topics whose last activity moved since last time."""

    name = "discourse"
    custom_settings: ClassVar[dict[str, float]] = {
        "DOWNLOAD_DELAY": DEFAULT_DELAY,
        "AUTOTHROTTLE_START_DELAY": DEFAULT_DELAY,
    }

    async def start(self) -> AsyncIterator[Request]:
        self.base = self.source.start_urls[0].rstrip("/") + "/"
        yield self.listing_request(0)

    def listing_request(self, page: int) -> Request:
        url = urljoin(self.base, "latest.json") + (f"?page={page}" if page else "")
        return self.request(url, self.parse_listing, meta={"page": page}, dont_filter=True)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        try:
            topics, more = discourse_topic_list(load_json(response.body, response.url))
        except ForumDataError as exc:
            self.record_failure(response.url, exc.reason, str(exc))
            return
        self.crawler.stats.inc_value("pages/listings")
        if not topics and response.meta["page"] == 0:
            self.record_failure(response.url, "empty_forum", "the forum lists no topics")
        bumped = 0
        for topic in topics:
            if self.source.categories and str(topic.category_id) not in self.source.categories:
                continue
            url = urljoin(self.base, f"t/{topic.slug}/{topic.id}")
            known = self.known.get(url)
            last = (known or {}).get("extra", {}).get("last_activity")
            if known and topic.bumped_at and last and topic.bumped_at.isoformat() <= last:
                self.crawler.stats.inc_value("skipped/unchanged_topic")
                continue
            bumped += 1
            # A topic seen before: ask for the posts after the last one stored (Discourse's
            # /t/{slug}/{id}/{post_number}.json), not for the first 20 again.
            last = (known or {}).get("extra", {}).get("last_post_number")
            target = f"{url}/{last + 1}.json" if last else f"{url}.json"
            yield self.request(target, self.parse_topic, meta={"topic_url": url})
        # /latest is ordered by last activity: a page with nothing bumped ends a re-crawl.
        if more and not (self.incremental and bumped == 0):
            yield self.listing_request(response.meta["page"] + 1)

    def parse_topic(self, response: Response) -> Iterator[Request | Document]:
        try:
            thread = discourse_thread(load_json(response.body, response.url), self.base)
        except ForumDataError as exc:
            self.record_failure(response.url, exc.reason, str(exc))
            return
        self.crawler.stats.inc_value("pages/topics")
        stored = {p["post_id"]: p for p in self.stored_posts(thread.url)}
        missing = [i for i in thread.stream if i not in thread.post_ids_seen and str(i) not in stored]
        for number_id, post in stored.items():
            if number_id and int(number_id) not in thread.stream and not post["deleted"]:
                thread.posts.append(
                    Post(
                        number=post["number"],
                        post_id=number_id,
                        author=post["author"],
                        created=post["created"],
                        text="",
                        deleted=True,
                    )
                )
        yield from self.next_chunk(thread, missing)

    def stored_posts(self, url: str) -> list[dict[str, Any]]:
        if url not in self.known:
            return []
        return self.store.posts_of(document_id(url))

    def next_chunk(self, thread: Thread, missing: list[int]) -> Iterator[Request | Document]:
        if not missing:
            yield self.thread_document(thread)
            return
        chunk, rest = missing[:DISCOURSE_CHUNK], missing[DISCOURSE_CHUNK:]
        topic_id = thread.url.rstrip("/").rsplit("/", 1)[-1]
        query = urlencode([("post_ids[]", i) for i in chunk])
        yield self.request(
            urljoin(self.base, f"t/{topic_id}/posts.json?{query}"),
            self.parse_posts,
            meta={"thread": thread, "rest": rest},
            errback=self.on_posts_error,
        )

    def parse_posts(self, response: Response) -> Iterator[Request | Document]:
        thread: Thread = response.meta["thread"]
        try:
            thread.posts += discourse_posts(load_json(response.body, response.url))
        except ForumDataError as exc:
            self.record_failure(response.url, exc.reason, str(exc))
        self.crawler.stats.inc_value("pages/post_chunks")
        yield from self.next_chunk(thread, response.meta["rest"])

    def on_posts_error(self, failure: Any) -> Iterator[Document]:
        self.on_error(failure)
        yield self.thread_document(failure.request.meta["thread"])  # keep what we have

    def thread_document(self, thread: Thread) -> Document:
        posts = sorted(thread.posts, key=lambda p: p.number)
        opening = next((p for p in posts if p.number == 1 and not p.deleted), None)
        stored = None if opening else self.store.get_document(document_id(thread.url))
        text = opening.text if opening else (stored or {}).get("text", "")
        author = opening.author if opening else (stored or {}).get("author")
        numbers = [p.number for p in posts] + [(stored or {}).get("extra", {}).get("last_post_number") or 0]
        return Document(
            url=thread.url,
            source=self.source.name,
            kind="forum",
            title=thread.title,
            text=text,
            author=author,
            published=thread.created or (opening.created if opening else None),
            language=None,
            platform=self.source.platform,
            extra={
                "forum": "discourse",
                "category": thread.category,
                "reply_count": thread.reply_count,
                "views": thread.views,
                "last_activity": thread.last_activity.isoformat() if thread.last_activity else None,
                "last_post_number": max(numbers),
            },
            posts=[p.as_row() for p in posts],
        )
