"""A site that fails in every way a crawler meets, for tests of failure handling.

Served on 127.0.0.1 like the demo world: a listing page links to one good article and to pages
that 404, 500, time out, loop, redirect off-site, are not HTML, are too big or are binary; its
feeds and sitemap are malformed or carry an XML entity-expansion bomb.
"""

from __future__ import annotations

import random
import time
from urllib.parse import urlsplit

from demoworld.local import LocalServer

GOOD_ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A working page</title>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "A working page",
"datePublished": "2026-05-05T10:00:00Z"}</script></head><body><article><h1>A working page</h1>
<p>This page is the one article on the trouble site that a crawler should store, because every
other link here breaks in its own way: a missing page, a server error, a page that never answers,
a redirect loop, a redirect to another host, a PDF, a page larger than the limit and binary junk.</p>
<p>Its text is long enough to be judged an article by content alone, and it carries its date in
JSON-LD, which is where most news sites put it nowadays.</p></article></body></html>"""
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><rss version="2.0"><channel><title>&lol3;</title>'
    b"<item><link>http://127.0.0.1/x.html</link></item></channel></rss>"
)
LINKS = [
    "ok.html",
    "missing.html",
    "error.html",
    "slow.html",
    "loop1.html",
    "away.html",
    "file.pdf",
    "huge.html",
    "garbage.html",
    "private/secret.html",
]


class TroubleSite(LocalServer):
    def __init__(self, slow_seconds: float = 3.0, huge_bytes: int = 300_000) -> None:
        self.slow_seconds = slow_seconds
        self.huge_bytes = huge_bytes
        super().__init__()

    def sources_toml(self) -> str:
        return f"""[[sources]]
name = "trouble"
kind = "news"
start_urls = ["{self.base}/"]
feeds = ["{self.base}/bomb.xml", "{self.base}/broken.xml"]
sitemaps = ["{self.base}/broken-sitemap.xml"]
article_url_pattern = "\\\\.(html|pdf)$"
"""

    def reply(self, path: str) -> tuple[int, dict[str, str], bytes]:
        path = urlsplit(path).path
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"
        if path == "/":
            links = "".join(f'<li><a href="/{link}">{link}</a></li>' for link in LINKS)
            return 200, html, f"<html><body><ul>{links}</ul></body></html>".encode()
        if path == "/ok.html":
            return 200, html, GOOD_ARTICLE.encode()
        if path == "/error.html":
            return 500, html, b"<html><body>Internal error</body></html>"
        if path == "/slow.html":
            time.sleep(self.slow_seconds)
            return 200, html, GOOD_ARTICLE.encode()
        if path == "/loop1.html":
            return 302, {"Location": "/loop2.html"}, b""
        if path == "/loop2.html":
            return 302, {"Location": "/loop1.html"}, b""
        if path == "/away.html":
            return 302, {"Location": self.base.replace("127.0.0.1", "localhost") + "/elsewhere.html"}, b""
        if path == "/file.pdf":
            return 200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n" + bytes(range(256)) * 4
        if path == "/huge.html":
            return (
                200,
                html,
                b"<html><body>" + b"<p>padding text</p>" * (self.huge_bytes // 18) + b"</body></html>",
            )
        if path == "/garbage.html":
            return 200, {"Content-Type": "text/html"}, random.Random(7).randbytes(20_000)
        if path == "/bomb.xml":
            return 200, {"Content-Type": "application/rss+xml"}, BOMB
        if path == "/broken.xml":
            return 200, {"Content-Type": "application/rss+xml"}, b"<rss><channel><item><link>oops"
        if path == "/broken-sitemap.xml":
            return 200, {"Content-Type": "application/xml"}, b"<urlset><url><loc>/ok.html</loc></url"
        return 404, html, b"<html><body>Not found</body></html>"
