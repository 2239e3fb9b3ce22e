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

from crawler.extract.article import extract_article
from crawler.run import crawl
from crawler.sources import load_sources
from demoworld.generated import GeneratedSite, page_of, sources_toml

SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "LOG_LEVEL": "ERROR",
}


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
        toml.write_text(sources_toml(site, "bench"))
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
