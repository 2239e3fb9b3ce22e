"""Serve the demo world on 127.0.0.1: three news sites, a Discourse forum and a phpBB forum.

Each site listens on its own free port. The world has a ``day`` (1 or 2): on day 2 the pieces
written for the second demo night appear. Every request is logged per site, so tests can assert
what a crawler fetched; conditional requests get ``304`` where the page has not changed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demoworld import render
from demoworld.content import Article, ForumThread, articles, threads
from demoworld.local import ThreadingServer

SITES = ("sellerledger", "marketbeacon", "kuajing", "discourse", "phpbb")
# (status, headers, body, last-modified or None)
Reply = tuple[int, dict[str, str], bytes, datetime | None]
ROBOTS = {
    "sellerledger": "User-agent: *\nDisallow: /members/\nSitemap: {base}/sitemap_index.xml\n",
    "marketbeacon": "User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n",
    "kuajing": "User-agent: *\nDisallow: /admin/\n",
    "discourse": "User-agent: *\nDisallow: /admin/\nDisallow: /session\n",
    "phpbb": "User-agent: *\nDisallow: /memberlist.php\nDisallow: /ucp.php\n",
}


@dataclass
class Site:
    name: str
    server: ThreadingServer
    requests: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


class DemoWorld:
    """Start with ``with DemoWorld() as world:``; ``world.base(name)`` gives a site's URL."""

    def __init__(self, day: int = 1) -> None:
        self.day = day
        self.sites: dict[str, Site] = {}
        self.lock = threading.Lock()
        self.rate_limit: dict[str, float] = {}  # path prefix → Retry-After to answer once
        self.edits: dict[str, tuple[str, datetime]] = {}  # "site:path" → (first paragraph, when)

    # ----- lifecycle -----------------------------------------------------------------------
    def start(self) -> DemoWorld:
        for name in SITES:
            server = ThreadingServer(("127.0.0.1", 0), _handler(self, name))
            self.sites[name] = Site(name, server)
            threading.Thread(target=server.serve_forever, daemon=True, name=f"demo-{name}").start()
        return self

    def stop(self) -> None:
        for site in self.sites.values():
            site.server.shutdown()
            site.server.server_close()

    def __enter__(self) -> DemoWorld:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def base(self, name: str) -> str:
        return self.sites[name].base

    def requests(self, name: str) -> list[str]:
        with self.lock:
            return list(self.sites[name].requests)

    def clear_log(self) -> None:
        with self.lock:
            for site in self.sites.values():
                site.requests.clear()

    def sources_toml(self) -> str:
        """A sources file for this running world."""
        b = self.base
        return f"""# The demo world, served on 127.0.0.1 by `sellerwatch demo`.
[[sources]]
name = "sellerledger"
kind = "news"
start_urls = ["{b("sellerledger")}/"]
feeds = ["{b("sellerledger")}/feed/"]
sitemaps = ["{b("sellerledger")}/sitemap_index.xml"]
article_url_pattern = "/20\\\\d\\\\d/\\\\d\\\\d/\\\\d\\\\d/[^/]+/$"
timezone = "America/New_York"

[[sources]]
name = "marketbeacon"
kind = "news"
start_urls = ["{b("marketbeacon")}/news"]
feeds = ["{b("marketbeacon")}/atom.xml"]
sitemaps = ["{b("marketbeacon")}/sitemap.xml"]
article_url_pattern = "/news/\\\\d+-[^/]+\\\\.html$"

[[sources]]
name = "kuajing"
kind = "news"
start_urls = ["{b("kuajing")}/list_1.html"]
feeds = ["{b("kuajing")}/rss.xml"]
sitemaps = ["{b("kuajing")}/sitemap.xml"]
article_url_pattern = "/p/\\\\d+\\\\.html$"
timezone = "Asia/Shanghai"
extraction = {{ text = "div#article" }}

[[sources]]
name = "seller-circle"
kind = "discourse"
start_urls = ["{b("discourse")}/"]

[[sources]]
name = "sellers-board"
kind = "forum"
start_urls = [
  "{b("phpbb")}/viewforum.php?f=1",
  "{b("phpbb")}/viewforum.php?f=2",
  "{b("phpbb")}/viewforum.php?f=3",
]
"""

    # ----- what each site holds --------------------------------------------------------------
    def visible_articles(self, site: str) -> list[Article]:
        return [a for a in articles()[site] if a.demo_day <= self.day]

    def visible_threads(self, forum: str) -> list[ForumThread]:
        return [t for t in threads()[forum] if t.demo_day <= self.day]

    def route(self, site: str, path: str, query: dict[str, list[str]]) -> Reply:
        if path == "/robots.txt":
            return _text(ROBOTS[site].format(base=self.base(site)), "text/plain")
        for prefix, wait in list(self.rate_limit.items()):
            if path.startswith(prefix):
                del self.rate_limit[prefix]
                return 429, {"Retry-After": str(int(wait)), "Content-Type": "text/plain"}, b"slow down", None
        handler: Callable[[str, dict[str, list[str]]], Reply] = getattr(self, f"_{site}")
        return handler(path, query)

    def _article(self, site: str, path: str) -> Article | None:
        return next((a for a in self.visible_articles(site) if a.path == path), None)

    def _neighbours(
        self, site: str, article: Article
    ) -> tuple[Article | None, Article | None, list[Article]]:
        items = self.visible_articles(site)
        index = items.index(article)
        prev = items[index - 1] if index > 0 else None
        nxt = items[index + 1] if index + 1 < len(items) else None
        others = [a for a in reversed(items) if a is not article][:5]
        return prev, nxt, others

    def edit(self, article: Article, paragraph: str, when: datetime | None = None) -> None:
        """Replace ``article``'s first paragraph; its pages and sitemaps say it changed at ``when``.

        ``when`` defaults to now, as on a real site: a crawler that fetched the page before the
        edit sees a lastmod newer than its fetch, whatever today's date is.
        """
        with self.lock:
            self.edits[f"{article.site}:{article.path}"] = (paragraph, when or datetime.now(UTC))

    def _edited(self, article: Article) -> Article:
        edit = self.edits.get(f"{article.site}:{article.path}")
        if edit is None:
            return article
        paragraph, when = edit
        return replace(article, paragraphs=[paragraph, *article.paragraphs[1:]], updated=when)

    def _sellerledger(self, path: str, query: dict[str, list[str]]) -> Reply:
        items = list(reversed(self.visible_articles("sellerledger")))
        base = self.base("sellerledger")
        if path in ("/", "") or path.startswith("/page/"):
            page = int(path.strip("/").split("/")[-1]) if path.startswith("/page/") else 1
            return _paged(items, page, render.ledger_listing)
        if path == "/feed/":
            return _xml(render.ledger_feed(items[:20], base), "application/rss+xml", _newest(items[:20]))
        if path == "/sitemap_index.xml":
            halves = [items[: len(items) // 2], items[len(items) // 2 :]]
            locs = [(f"{base}/post-sitemap{i}.xml", _newest(h)) for i, h in enumerate(halves, 1) if h]
            return _xml(render.sitemap_index(locs), "application/xml", None)
        if path.startswith("/post-sitemap"):
            index = int(path.removeprefix("/post-sitemap").removesuffix(".xml") or 1)
            half = [items[: len(items) // 2], items[len(items) // 2 :]][index - 1]
            entries = [(f"{base}{a.path}", self._edited(a).lastmod, None) for a in half]
            return _xml(render.urlset(entries), "application/xml", None)
        if path.startswith("/members"):
            return _text("<html><body><h1>Members only</h1></body></html>", "text/html")
        article = self._article("sellerledger", path)
        if article is None:
            return _not_found()
        prev, nxt, related = self._neighbours("sellerledger", article)
        offsite = self.base("marketbeacon").replace("127.0.0.1", "localhost")
        article = self._edited(article)
        page = render.ledger_article(article, prev, nxt, related, offsite)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8"), article.lastmod

    def _marketbeacon(self, path: str, query: dict[str, list[str]]) -> Reply:
        items = list(reversed(self.visible_articles("marketbeacon")))
        base = self.base("marketbeacon")
        if path in ("/", "/news"):
            page = int((query.get("page") or ["1"])[0])
            return _paged(items, page, render.beacon_listing)
        if path == "/atom.xml":
            return _xml(render.beacon_atom(items[:20], base), "application/atom+xml", _newest(items[:20]))
        if path == "/sitemap.xml":
            newest = items[0].published if items else datetime.now(UTC)
            entries = [
                (
                    f"{base}{a.path}",
                    self._edited(a).lastmod,
                    a.title if (newest - a.published).days < 2 else None,
                )
                for a in items
            ]
            return _xml(render.urlset(entries, news=True), "application/xml", None)
        article = self._article("marketbeacon", path)
        if article is None:
            return _not_found()
        prev, nxt, related = self._neighbours("marketbeacon", article)
        article = self._edited(article)
        page = render.beacon_article(article, related, prev, nxt)
        return 200, {"Content-Type": "text/html; charset=UTF-8"}, page.encode("utf-8"), article.lastmod

    def _kuajing(self, path: str, query: dict[str, list[str]]) -> Reply:
        items = list(reversed(self.visible_articles("kuajing")))
        base = self.base("kuajing")
        if path in ("/", "/index.html") or path.startswith("/list_"):
            page = int(path.removeprefix("/list_").removesuffix(".html")) if path.startswith("/list_") else 1
            status, _headers, body, modified = _paged(items, page, render.kuajing_listing)
            return (
                status,
                {"Content-Type": "text/html"},
                body.decode("utf-8").encode("gbk", "replace"),
                modified,
            )
        if path == "/rss.xml":
            return (
                200,
                {"Content-Type": "application/xml"},
                render.kuajing_rss(items[:20], base).encode("gbk", "replace"),
                None,
            )
        if path == "/sitemap.xml":
            entries = [(f"{base}{a.path}", self._edited(a).lastmod, None) for a in items]
            return _xml(render.urlset(entries), "application/xml", None)
        article = self._article("kuajing", path)
        if article is None:
            return _not_found()
        prev, nxt, _ = self._neighbours("kuajing", article)
        recommend = [a for a in items if not a.labels][:8]
        article = self._edited(article)
        page = render.kuajing_article(article, prev, nxt, recommend)
        # The charset is declared only in the page's <meta> tag, as on many such sites.
        return 200, {"Content-Type": "text/html"}, page.encode("gbk", "replace"), article.lastmod

    def _discourse(self, path: str, query: dict[str, list[str]]) -> Reply:
        visible = self.visible_threads("discourse")
        if path in ("/latest.json", "/latest"):
            page = int((query.get("page") or ["0"])[0])
            ordered = sorted(visible, key=lambda t: t.visible_posts(self.day)[-1].created, reverse=True)
            per_page = 30
            chunk = ordered[page * per_page : (page + 1) * per_page]
            topic_list: dict[str, Any] = {
                "can_create_topic": False,
                "per_page": per_page,
                "topics": [render.discourse_topic_summary(t, self.day) for t in chunk],
            }
            if (page + 1) * per_page < len(ordered):
                topic_list["more_topics_url"] = f"/latest?page={page + 1}"
            return _json({"users": [], "topic_list": topic_list})
        parts = [p for p in path.removesuffix(".json").split("/") if p]
        if len(parts) >= 2 and parts[0] == "t":
            topic_id = next((int(p) for p in parts[1:] if p.isdigit()), None)
            thread = next((t for t in visible if t.id == topic_id), None)
            if thread is None:
                return _json({"errors": ["The requested URL or resource could not be found."]}, 404)
            if parts[-1] == "posts":
                wanted = {int(i) for i in query.get("post_ids[]", []) if i.isdigit()}
                numbers = [
                    p.number for p in thread.visible_posts(self.day) if thread.id * 1000 + p.number in wanted
                ]
                posts = [render.discourse_post_json(thread, n, self.day) for n in numbers]
                return _json({"post_stream": {"posts": posts}, "id": thread.id})
            near = int(parts[3]) if len(parts) == 4 and parts[3].isdigit() else None
            return _json(render.discourse_topic_json(thread, self.day, near))
        if path == "/":
            return _text("<html><body>Seller Circle</body></html>", "text/html")
        return _json({"errors": ["not found"]}, 404)

    def _phpbb(self, path: str, query: dict[str, list[str]]) -> Reply:
        visible = self.visible_threads("phpbb")
        start = int((query.get("start") or ["0"])[0])
        if path.endswith("viewforum.php"):
            fid = int((query.get("f") or ["0"])[0])
            if fid not in render.PHPBB_FORUMS:
                return _not_found()
            in_forum = [t for t in visible if render.phpbb_forum_id(t) == fid]
            in_forum.sort(key=lambda t: t.visible_posts(self.day)[-1].created, reverse=True)
            return _text(render.phpbb_viewforum(fid, in_forum, self.day, start), "text/html; charset=UTF-8")
        if path.endswith("viewtopic.php"):
            topic_id = int((query.get("t") or ["0"])[0])
            thread = next((t for t in visible if t.id == topic_id), None)
            if thread is None:
                return _not_found()
            return _text(render.phpbb_viewtopic(thread, self.day, start), "text/html; charset=UTF-8")
        return _not_found()


def _paged(items: list[Article], page: int, template: Callable[[list[Article], int, int], str]) -> Reply:
    pages = max(1, -(-len(items) // render.PER_PAGE))
    if page < 1 or page > pages:
        return _not_found()
    chunk = items[(page - 1) * render.PER_PAGE : page * render.PER_PAGE]
    return _text(template(chunk, page, pages), "text/html; charset=utf-8")


def _newest(items: list[Article]) -> datetime | None:
    return max((a.lastmod for a in items), default=None)


def _text(body: str, content_type: str, status: int = 200) -> Reply:
    return status, {"Content-Type": content_type}, body.encode("utf-8"), None


def _xml(body: str, content_type: str, modified: datetime | None) -> Reply:
    return 200, {"Content-Type": content_type}, body.encode("utf-8"), modified


def _json(data: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(data).encode(), None


def _not_found() -> Reply:
    return _text("<html><body><h1>404 Not Found</h1></body></html>", "text/html", 404)


def _handler(world: DemoWorld, site: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "DemoWorld/1.0"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            with world.lock:
                world.sites[site].requests.append(self.path)
            status, headers, body, modified = world.route(site, parts.path, parse_qs(parts.query))
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if status == 200:
                headers = {**headers, "ETag": etag}
                if modified:
                    headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
                if self._not_modified(etag, modified):
                    status, body = 304, b""
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _not_modified(self, etag: str, modified: datetime | None) -> bool:
            if self.headers.get("If-None-Match"):
                return self.headers["If-None-Match"] == etag
            since = self.headers.get("If-Modified-Since")
            if since and modified:
                try:
                    return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
                except (TypeError, ValueError):
                    return False
            return False

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def serve_forever(day: int = 1) -> None:
    """Run the demo world in the foreground (``python -m demoworld.server``)."""
    with DemoWorld(day=day) as world:
        for name in SITES:
            print(f"{name:14} {world.base(name)}/")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    serve_forever()
