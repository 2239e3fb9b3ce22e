"""Helpers for tests that crawl: write a sources file, crawl into a store, read it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.run import SourceResult, crawl
from crawler.sources import load_sources
from store import Store
from tests.conftest import FAST_CRAWL


def crawl_toml(
    toml: str,
    tmp_path: Path,
    db_url: str,
    *,
    names: list[str] | None = None,
    settings: dict[str, Any] | None = None,
) -> list[SourceResult]:
    path = tmp_path / "sources.toml"
    path.write_text(toml, encoding="utf-8")
    sources = load_sources(path)
    if names:
        sources = [s for s in sources if s.name in names]
    return crawl(sources, db_url, settings={**FAST_CRAWL, **(settings or {})})


def stored_state(db_url: str) -> dict[str, str]:
    """URL → content hash of every stored document."""
    store = Store.open(db_url)
    try:
        return {doc["url"]: doc["content_hash"] for doc in store.iter_documents()}
    finally:
        store.close()
