"""One crawl process, many sources: peak memory and wall time as the sources file grows.

    python -m benchmarks.sources [--counts 1 100 500] [--pages 4]

A crawl (and a distributed worker) runs one Scrapy crawler per source in one process. Each
source here is a sitemap-driven news source of ``--pages`` pages on a local generated site; the
baseline is the crawl of one source, measured in the same run. Prints the peak memory of the
crawl process, the wall time, and the memory each further source adds.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from crawler.run import crawl
from crawler.sources import load_sources
from demoworld.generated import GeneratedSite, sources_toml

SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "LOG_LEVEL": "ERROR",
}


def peak_child_mib() -> float:
    """The largest resident size any finished child process reached (ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 100, 500])
    parser.add_argument("--pages", type=int, default=4, help="pages per source")
    args = parser.parse_args()
    counts = sorted(set(args.counts))  # rising, so each run's peak is the largest so far
    rows: list[tuple[int, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp, GeneratedSite(args.pages) as site:
        site.prerender()
        for count in counts:
            toml = Path(tmp) / f"sources-{count}.toml"
            toml.write_text("\n".join(sources_toml(site, f"source{i:04d}") for i in range(count)))
            db = f"sqlite:///{Path(tmp) / f'sources-{count}.sqlite'}"
            start = time.perf_counter()
            results = crawl(load_sources(toml), db, settings=SETTINGS)
            seconds = time.perf_counter() - start
            finished = sum(r.status == "finished" for r in results)
            rows.append((count, peak_child_mib(), seconds))
            print(
                f"{count:5d} sources: peak {rows[-1][1]:6.0f} MiB, {seconds:6.1f} s "
                f"({finished}/{count} finished, {sum(r.fetched for r in results)} responses)"
            )
    base_count, base_mib, base_seconds = rows[0]
    for count, mib, seconds in rows[1:]:
        per_source = (mib - base_mib) / (count - base_count)
        print(
            f"{count} sources vs {base_count} (baseline): {mib / base_mib:.1f}x memory, "
            f"{per_source:.2f} MiB and {(seconds - base_seconds) / (count - base_count) * 1000:.0f} ms "
            "per further source"
        )


if __name__ == "__main__":
    main()
