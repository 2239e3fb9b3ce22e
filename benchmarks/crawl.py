"""Crawl throughput: a generated site of N article pages on 127.0.0.1, crawled into a fresh store.

    python -m benchmarks.crawl [--pages 10000]

Reports pages/s for a full crawl (fetch + extraction + store) and for a re-crawl where nothing
changed, against the extraction-only limit measured in the same run (the extractor alone over
the same pages on every core, no network), and the crawl's peak memory.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from crawler.extract.article import extract_article
from crawler.run import crawl
from crawler.sources import load_sources
from demoworld import render
from demoworld.content import Article
from demoworld.local import LocalServer

# A few thousand made-up words, so that generated articles differ as real ones do (a tiny
# vocabulary would make every page a near-duplicate of every other).
WORDS = [
    "".join(
        random.Random(i).choice("bcdfghjklmnprstvwz") + random.Random(i * 7 + j).choice("aeiou")
        for j in range(3)
    )
    for i in range(3000)
]
SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "LOG_LEVEL": "ERROR",
}


def make_article(index: int) -> Article:
    rng = random.Random(index)
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "."
        for _ in range(rng.randint(4, 9))
    ]
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


def page_of(index: int) -> str:
    return render.ledger_article(
        make_article(index), None, None, [make_article(index + 1)], "http://localhost"
    )


class GeneratedSite(LocalServer):
    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.sitemap = self._sitemap().encode()
        super().__init__()

    def _sitemap(self) -> str:
        entries = [(f"{{base}}/{i}.html", make_article(i).published, None) for i in range(self.pages)]
        return render.urlset(entries)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path == "/sitemap.xml":
                    body, kind = site.sitemap.replace(b"{base}", site.base.encode()), "application/xml"
                elif self.path.endswith(".html") and self.path[1:-5].isdigit():
                    body, kind = page_of(int(self.path[1:-5])).encode(), "text/html; charset=utf-8"
                else:
                    body, kind = b"User-agent: *\n", "text/plain"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def extract_range(bounds: tuple[int, int]) -> int:
    for index in range(*bounds):
        extract_article(page_of(index), f"http://127.0.0.1/{index}.html")
    return bounds[1] - bounds[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=10_000)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    sample = min(args.pages, 2000)
    chunks = [(i, min(i + sample // cores, sample)) for i in range(0, sample, sample // cores)]
    start = time.perf_counter()
    with ProcessPoolExecutor(cores) as pool:
        done = sum(pool.map(extract_range, chunks))
    limit = done / (time.perf_counter() - start)
    print(f"extraction-only limit ({cores} cores, {done} pages, no network): {limit:.1f} pages/s")
    with tempfile.TemporaryDirectory() as tmp, GeneratedSite(args.pages) as site:
        toml = Path(tmp) / "sources.toml"
        toml.write_text(
            f'[[sources]]\nname = "bench"\nkind = "news"\nstart_urls = []\n'
            f'sitemaps = ["{site.base}/sitemap.xml"]\narticle_url_pattern = "/\\\\d+\\\\.html$"\n'
            "recent_days = 0\n"
        )
        sources = load_sources(toml)
        db = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        for label in ("full crawl", "re-crawl, nothing changed"):
            start = time.perf_counter()
            (result,) = crawl(sources, db, settings=SETTINGS)
            seconds = time.perf_counter() - start
            rate = args.pages / seconds
            print(
                f"{label:28} {seconds:7.1f} s  {rate:7.1f} pages/s  "
                f"({rate / limit:.0%} of the extraction limit; "
                f"new {result.new}, fetched {result.fetched})"
            )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a crawl process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
