"""Items the spiders yield: plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Document:
    """A news article, or a forum thread (title + opening post) with its posts."""

    url: str
    source: str
    kind: str
    title: str
    text: str
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None
    platform: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    posts: list[dict[str, Any]] | None = None
    # MinHash of ``text`` for the near-duplicate check, where extraction computed it; not stored.
    signature: Any = None
