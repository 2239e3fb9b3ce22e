"""Crawl throughput: a generated site of N article pages on 127.0.0.1, crawled into a fresh store.

    python -m benchmarks.crawl [--pages 10000] [--shared ../shared]

Reports pages/s for a full crawl (fetch + extraction + store) and for a re-crawl where nothing
changed, against the extraction-only limit measured in the same run (the extractor alone over
the same pages on every core, no network), and the crawl's peak memory. Twice: with the
generated pages (7 KB each, cheap to extract), and, where ``--shared`` holds the
article-extraction benchmark, with real news pages of real weight (its 181 pages served in
turn under the site's N URLs).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.extraction import ROOT, load_pages
from crawler.run import SourceResult, crawl
from crawler.sources import load_sources
from crawler.spiders.news import extract_page
from demoworld.generated import GeneratedSite, page_of, sources_toml

SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "LOG_LEVEL": "ERROR",
}


_PAGES: list[bytes] = []  # in each limit worker: the pages it extracts, given before timing


def _hold(pages: list[bytes]) -> None:
    _PAGES[:] = pages


def extract_pages(indexes: list[int]) -> int:
    """What a crawl does with each fetched page: decode it and extract the article."""
    for index in indexes:
        extract_page(_PAGES[index], "text/html; charset=utf-8", f"http://127.0.0.1/{index}.html", {}, None)
    return len(indexes)


def extraction_limit(bodies: list[bytes], cores: int) -> float:
    """Pages/s of extraction alone on every core, over (up to 2,000 of) the pages to be served;
    the workers get the pages before the clock starts, so the limit times extraction only."""
    sample = bodies[:2000]
    chunks = [list(range(i, len(sample), cores)) for i in range(cores)]
    with ProcessPoolExecutor(cores, initializer=_hold, initargs=(sample,)) as pool:
        list(pool.map(extract_pages, [chunk[:5] for chunk in chunks]))  # start and warm the workers
        start = time.perf_counter()
        done = sum(pool.map(extract_pages, chunks))
        return done / (time.perf_counter() - start)


def measure(label: str, bodies: list[bytes], cores: int) -> None:
    """A full crawl and a no-change re-crawl of a site serving ``bodies``, then the limit."""
    runs: list[tuple[str, float, SourceResult]] = []
    with tempfile.TemporaryDirectory() as tmp, GeneratedSite(len(bodies)) as site:
        toml = Path(tmp) / "sources.toml"
        toml.write_text(sources_toml(site, "bench"))
        site.rendered = dict(enumerate(bodies))  # served as they are: the server costs little
        sources = load_sources(toml)
        db = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        for run in ("full crawl", "re-crawl, nothing changed"):
            start = time.perf_counter()
            (result,) = crawl(sources, db, settings=SETTINGS)
            runs.append((run, time.perf_counter() - start, result))
    # Read before the limit's own worker processes run: the crawls are the only children so far
    # that held these pages.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    limit = extraction_limit(bodies, cores)
    print(f"[{label}] extraction-only limit ({cores} cores, no network): {limit:.1f} pages/s")
    for run, seconds, result in runs:
        rate = len(bodies) / seconds
        print(
            f"[{label}] {run:26} {seconds:7.1f} s  {rate:7.1f} pages/s  "
            f"({rate / limit:.0%} of the extraction limit; new {result.new}, fetched {result.fetched})"
        )
    print(f"[{label}] peak memory of a crawl process: {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    measure("generated pages", [page_of(i).encode() for i in range(args.pages)], cores)
    if (args.shared / "benchmarks" / "article-extraction").is_dir():
        real = [page.encode() for page in load_pages(args.shared)[0].values()]
        measure("real pages", [real[i % len(real)] for i in range(args.pages)], cores)
    else:
        print(f"no article-extraction benchmark under {args.shared}: real pages skipped")


if __name__ == "__main__":
    main()
