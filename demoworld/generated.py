"""A generated news site of N article pages behind one sitemap, for crawl benchmarks and tests.

Pages are made of a few thousand made-up words, so they differ as real articles do (a tiny
vocabulary would make every page a near-duplicate of every other). ``edit()`` changes pages
the way a newsroom does: new text and a newer ``lastmod`` in the sitemap.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from demoworld import render
from demoworld.content import Article
from demoworld.local import LocalServer

WORDS = [
    "".join(
        random.Random(i).choice("bcdfghjklmnprstvwz") + random.Random(i * 7 + j).choice("aeiou")
        for j in range(3)
    )
    for i in range(3000)
]
ARTICLE_PATTERN = r"/\d+\.html$"


def make_article(index: int, revision: int = 0) -> Article:
    """Article ``index`` of the site; each revision adds a paragraph."""
    rng = random.Random(index)
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."
        for _ in range(rng.randint(4, 9))
    ]
    for n in range(1, revision + 1):
        paragraphs.append(f"Update {n}: " + " ".join(WORDS[(index + n * 17) % 3000 :][:30]) + ".")
    published = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=index)
    return Article(
        "sellerledger",
        index,
        f"story-{index}",
        f"Story number {index} for sellers",
        "Staff",
        published,
        None,
        "News",
        ["bench"],
        "A teaser.",
        paragraphs,
        "other",
        [],
        None,
        1,
    )


def page_of(index: int, revision: int = 0) -> str:
    return render.ledger_article(
        make_article(index, revision), None, None, [make_article(index + 1)], "http://localhost"
    )


class GeneratedSite(LocalServer):
    """``pages`` articles at ``/{i}.html``, listed in ``/sitemap.xml``; logs every request path."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.revisions: dict[int, tuple[int, datetime]] = {}
        self.rendered: dict[int, bytes] = {}
        self._lock = threading.Lock()
        super().__init__()
        self.sitemap = self._sitemap()

    def edit(self, indexes: list[int], when: datetime) -> None:
        """Give each page in ``indexes`` a new paragraph and ``when`` as its sitemap lastmod."""
        with self._lock:
            for index in indexes:
                revision = self.revisions.get(index, (0, when))[0] + 1
                self.revisions[index] = (revision, when)
                self.rendered.pop(index, None)
            self.sitemap = self._sitemap()

    def prerender(self) -> None:
        """Render every page now, so that serving one costs the server almost nothing."""
        self.rendered = {
            i: page_of(i, self.revisions.get(i, (0, None))[0]).encode() for i in range(self.pages)
        }

    def hits(self) -> Counter[str]:
        """How many times each path was requested."""
        return Counter(self.requests)

    def _sitemap(self) -> bytes:
        entries = []
        for i in range(self.pages):
            lastmod = self.revisions[i][1] if i in self.revisions else make_article(i).published
            entries.append((f"{self.base}/{i}.html", lastmod, None))
        return render.urlset(entries).encode()

    def reply(self, path: str) -> tuple[int, dict[str, str], bytes]:
        if path == "/sitemap.xml":
            return 200, {"Content-Type": "application/xml"}, self.sitemap
        if path.endswith(".html") and path[1:-5].isdigit() and int(path[1:-5]) < self.pages:
            index = int(path[1:-5])
            body = self.rendered.get(index)
            if body is None:
                body = page_of(index, self.revisions.get(index, (0, None))[0]).encode()
            return 200, {"Content-Type": "text/html; charset=utf-8"}, body
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow:\n"
        return 404, {"Content-Type": "text/plain"}, b"not found"


def sources_toml(site: GeneratedSite, name: str = "generated") -> str:
    """A sources file with the generated site as one sitemap-driven news source."""
    pattern = ARTICLE_PATTERN.replace("\\", "\\\\")  # a TOML basic string escapes backslashes
    return (
        f'[[sources]]\nname = "{name}"\nkind = "news"\nstart_urls = []\n'
        f'sitemaps = ["{site.base}/sitemap.xml"]\narticle_url_pattern = "{pattern}"\n'
        "recent_days = 0\n"
    )
