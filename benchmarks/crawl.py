"""Crawl throughput: a generated site of N article pages on 127.0.0.1, crawled into a fresh store.

    python -m benchmarks.crawl [--pages 10000]

Reports pages/s for a full crawl (fetch + extraction + store) and for a re-crawl where nothing
changed, against the extraction-only limit measured in the same run (the extractor alone over
the same pages on every core, no network), and the crawl's peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from crawler.run import crawl
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


def extract_pages(bodies: list[tuple[int, bytes]]) -> int:
    """What a crawl does with each fetched page: decode it and extract the article."""
    for index, body in bodies:
        extract_page(body, "text/html; charset=utf-8", f"http://127.0.0.1/{index}.html", {}, None)
    return len(bodies)


def extraction_limit(pages: int, cores: int) -> float:
    """Pages/s of extraction alone on every core, over pages rendered beforehand."""
    sample = min(pages, 2000)
    bodies = [(i, page_of(i).encode()) for i in range(sample)]
    chunks = [bodies[i::cores] for i in range(cores)]
    with ProcessPoolExecutor(cores) as pool:
        pool.map(extract_pages, [chunk[:5] for chunk in chunks])  # start and warm the workers
        start = time.perf_counter()
        done = sum(pool.map(extract_pages, chunks))
        return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=10_000)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    limit = extraction_limit(args.pages, cores)
    print(f"extraction-only limit ({cores} cores, pre-rendered pages, no network): {limit:.1f} pages/s")
    with tempfile.TemporaryDirectory() as tmp, GeneratedSite(args.pages) as site:
        toml = Path(tmp) / "sources.toml"
        toml.write_text(sources_toml(site, "bench"))
        site.prerender()  # the site's own server should cost the two cores as little as possible
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
