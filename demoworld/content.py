"""Load the demo world's written content and give every piece its place on its site."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
CONTENT_DIR = DATA_DIR / "content"
NEWS_SITES = ("sellerledger", "marketbeacon", "kuajing")
FORUMS = ("discourse", "phpbb")


@dataclass
class Article:
    site: str
    number: int  # 1-based order of publication on its site
    slug: str
    title: str
    author: str
    published: datetime
    updated: datetime | None
    section: str
    tags: list[str]
    teaser: str
    paragraphs: list[str]
    platform: str
    labels: list[str]
    incident: str | None
    demo_day: int
    comments: list[dict[str, Any]] = field(default_factory=list)
    syndicated_from: str | None = None

    @property
    def path(self) -> str:
        if self.site == "sellerledger":
            return f"/{self.published:%Y/%m/%d}/{self.slug}/"
        if self.site == "marketbeacon":
            return f"/news/{self.number}-{self.slug}.html"
        return f"/p/{10800 + self.number}.html"

    @property
    def lastmod(self) -> datetime:
        return self.updated or self.published


@dataclass
class ForumPost:
    number: int
    author: str
    created: datetime
    text: str
    quote: dict[str, Any] | None
    demo_day: int


@dataclass
class ForumThread:
    forum: str
    id: int
    slug: str
    title: str
    category: str
    platform: str
    labels: list[str]
    incident: str | None
    demo_day: int
    views: int
    posts: list[ForumPost]

    def visible_posts(self, day: int) -> list[ForumPost]:
        return [p for p in self.posts if p.demo_day <= day]

    @property
    def path(self) -> str:
        if self.forum == "discourse":
            return f"/t/{self.slug}/{self.id}"
        return f"/viewtopic.php?t={self.id}"


def _read(name: str) -> list[dict[str, Any]]:
    path = CONTENT_DIR / f"{name}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def articles() -> dict[str, list[Article]]:
    """Every site's articles in publication order, syndicated copies filled in."""
    raw = {site: _read(site) for site in NEWS_SITES}
    originals = {f"{site}:{r['slug']}": r for site, rows in raw.items() for r in rows}
    sites: dict[str, list[Article]] = {}
    for site, rows in raw.items():
        rows = sorted(rows, key=lambda r: datetime.fromisoformat(r["published"]))
        built = []
        for number, row in enumerate(rows, 1):
            source = originals.get(row.get("syndicated_from") or "", row)
            built.append(
                Article(
                    site=site,
                    number=number,
                    slug=row["slug"],
                    title=row["title"],
                    author=row.get("author") or "Staff",
                    published=datetime.fromisoformat(row["published"]),
                    updated=datetime.fromisoformat(row["updated"]) if row.get("updated") else None,
                    section=row.get("section") or "News",
                    tags=list(row.get("tags") or []),
                    teaser=row.get("teaser") or source.get("teaser") or "",
                    paragraphs=list(row.get("paragraphs") or source.get("paragraphs") or []),
                    platform=row.get("platform") or "other",
                    labels=sorted(row.get("labels") or []),
                    incident=row.get("incident"),
                    demo_day=int(row.get("demo_day") or 1),
                    comments=list(row.get("comments") or []),
                    syndicated_from=row.get("syndicated_from"),
                )
            )
        sites[site] = built
    return sites


@cache
def threads() -> dict[str, list[ForumThread]]:
    forums: dict[str, list[ForumThread]] = {}
    for forum in FORUMS:
        built = []
        for row in _read(forum):
            posts = [
                ForumPost(
                    number=n,
                    author=p["author"],
                    created=datetime.fromisoformat(p["created"].replace("Z", "+00:00")),
                    text=p["text"],
                    quote=p.get("quote"),
                    demo_day=int(p.get("demo_day") or row.get("demo_day") or 1),
                )
                for n, p in enumerate(row["posts"], 1)
            ]
            built.append(
                ForumThread(
                    forum=forum,
                    id=int(row["id"]),
                    slug=row["slug"],
                    title=row["title"],
                    category=row.get("category") or "General",
                    platform=row.get("platform") or "other",
                    labels=sorted(row.get("labels") or []),
                    incident=row.get("incident"),
                    demo_day=int(row.get("demo_day") or 1),
                    views=int(row.get("views") or 0),
                    posts=posts,
                )
            )
        forums[forum] = built
    return forums


def ground_truth() -> list[dict[str, Any]]:
    """One row per demo document: where it lives, its title, date, labels and incident."""
    rows: list[dict[str, Any]] = []
    for site, site_articles in articles().items():
        for article in site_articles:
            rows.append(
                {
                    "site": site,
                    "path": article.path,
                    "kind": "news",
                    "title": article.title,
                    "published": article.published.isoformat(),
                    "labels": article.labels,
                    "incident": article.incident,
                    "platform": article.platform,
                    "demo_day": article.demo_day,
                    "syndicated_from": article.syndicated_from,
                }
            )
    for forum, forum_threads in threads().items():
        for thread in forum_threads:
            rows.append(
                {
                    "site": forum,
                    "path": thread.path,
                    "kind": "forum",
                    "title": thread.title,
                    "published": thread.posts[0].created.isoformat(),
                    "labels": thread.labels,
                    "incident": thread.incident,
                    "platform": thread.platform,
                    "demo_day": thread.demo_day,
                    "posts": len(thread.posts),
                    "posts_day1": len(thread.visible_posts(1)),
                }
            )
    return rows


GROUND_TRUTH = DATA_DIR / "ground_truth.jsonl"


def write_ground_truth(path: Path = GROUND_TRUTH) -> int:
    """Write ``data/demo/ground_truth.jsonl`` (``python -m demoworld.content``); returns the row count."""
    rows = ground_truth()
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    print(f"wrote {write_ground_truth()} rows to {GROUND_TRUTH}")
