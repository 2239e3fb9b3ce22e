"""Forum benchmark: requests per new post on a nightly re-crawl of a generated Discourse forum.

    python -m benchmarks.forum [--topics 2000] [--bumped 0.05]

A forum of N topics (1-45 posts each) is served on 127.0.0.1 with the demo world's Discourse
templates; after a first full crawl, a share of topics gets 1-3 new replies and the re-crawl is
measured against the minimum possible: the listing pages that hold the bumped topics plus one
request per bumped topic (and, as a second reference, a full listing walk plus one per topic).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.run import crawl
from crawler.sources import load_sources
from demoworld.content import ForumPost, ForumThread
from demoworld.server import DemoWorld
from store import Store

SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


def generated_threads(topics: int, bumped: float, seed: int = 5) -> list[ForumThread]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    threads = []
    for index in range(topics):
        created = start + timedelta(minutes=rng.randrange(0, 300 * 24 * 60))
        count = rng.choice([1, 2, 3, 5, 8, 12, 18, 25, 45])
        posts = [
            ForumPost(
                n,
                f"user{rng.randrange(500)}",
                created + timedelta(hours=n),
                f"post {n} of topic {index}",
                None,
                1,
            )
            for n in range(1, count + 1)
        ]
        threads.append(
            ForumThread(
                "discourse",
                5000 + index,
                f"topic-{index}",
                f"Topic {index}",
                "General",
                "other",
                [],
                None,
                1,
                10,
                posts,
            )
        )
    for thread in rng.sample(threads, int(topics * bumped)):
        last = thread.posts[-1]
        for extra in range(rng.randint(1, 3)):
            number = len(thread.posts) + 1
            thread.posts.append(
                ForumPost(
                    number,
                    "late",
                    datetime(2026, 11, 26, 1, tzinfo=UTC) + timedelta(minutes=extra),
                    f"new reply {number} to {thread.title} after {last.number}",
                    None,
                    2,
                )
            )
    return threads


class GeneratedForum(DemoWorld):
    def __init__(self, threads: list[ForumThread]) -> None:
        super().__init__(day=1)
        self.generated = threads

    def visible_threads(self, forum: str) -> list[ForumThread]:
        return self.generated if forum == "discourse" else []


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--topics", type=int, default=2000)
    parser.add_argument("--bumped", type=float, default=0.05)
    args = parser.parse_args()
    threads = generated_threads(args.topics, args.bumped)
    with tempfile.TemporaryDirectory() as tmp, GeneratedForum(threads) as forum:
        toml = Path(tmp) / "sources.toml"
        toml.write_text(
            f'[[sources]]\nname = "gen"\nkind = "discourse"\nstart_urls = ["{forum.base("discourse")}/"]\n'
        )
        sources = load_sources(toml)
        db = f"sqlite:///{Path(tmp) / 'forum.sqlite'}"
        started = time.perf_counter()
        crawl(sources, db, settings=SETTINGS)
        first_requests = len(forum.requests("discourse"))
        print(
            f"first crawl: {args.topics} topics, {first_requests} requests, "
            f"{time.perf_counter() - started:.1f} s"
        )
        posts_before = Store.open(db).count("posts")
        forum.day = 2
        forum.clear_log()
        crawl(sources, db, settings=SETTINGS)
        requests = [r for r in forum.requests("discourse") if r != "/robots.txt"]
        new_posts = Store.open(db).count("posts") - posts_before
    bumped = [t for t in threads if any(p.demo_day == 2 for p in t.posts)]
    ordered = sorted(threads, key=lambda t: t.posts[-1].created, reverse=True)
    pages_holding_bumped = max(ordered.index(t) for t in bumped) // 30 + 1
    minimum = pages_holding_bumped + len(bumped)
    full_walk = -(-len(threads) // 30) + len(bumped)
    print(
        f"re-crawl: {len(bumped)} bumped topics, {new_posts} new posts stored, {len(requests)} requests "
        f"({len([r for r in requests if r.startswith('/latest')])} listing, "
        f"{len([r for r in requests if r.startswith('/t/') and 'posts.json' not in r])} topic, "
        f"{len([r for r in requests if 'posts.json' in r])} post-stream)"
    )
    print(f"requests per new post: {len(requests) / max(new_posts, 1):.3f}")
    print(
        f"minimum possible (listing pages holding the bumped topics + one per bumped topic): {minimum} "
        f"-> ratio {len(requests) / minimum:.2f}x (target <= 1.2x)"
    )
    print(
        f"reference (full listing walk + one per bumped topic): {full_walk} "
        f"-> ratio {len(requests) / full_walk:.2f}x"
    )


if __name__ == "__main__":
    main()
