"""Write the feed folder: three CSVs, a Data Package, a chart, and a manifest written last.

Every file is written to a temporary file in the same folder, flushed to disk and renamed over
the old one, so a poller never reads half a file; ``manifest.json`` is replaced last and lists
each file's size, rows and SHA-256, so a poller can tell a complete feed from a stale one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pandas as pd

from timeline.tables import ARTICLE_COLUMNS, INCIDENT_COLUMNS, TIMELINE_COLUMNS

FIELD_DOCS: dict[str, tuple[str, str]] = {
    "article_id": ("string", "Stable document id, derived from the canonical URL"),
    "url": ("string", "Canonical URL of the article or forum thread"),
    "source": ("string", "Name of the source in the sources file"),
    "kind": ("string", "news or forum"),
    "published": ("datetime", "When the document was published (UTC, ISO 8601)"),
    "title": ("string", "Title of the article or thread"),
    "platform": ("string", "Marketplace the document is about"),
    "labels": ("string", "Labels, ';'-separated: brand_removal, apology, policy_tightening"),
    "incident_id": ("string", "Incident the document reports, empty when none"),
    "country": ("string", "Marketplace country where a labelled document names it (US, UK, ...)"),
    "near_duplicate_of": ("string", "article_id of the text this one syndicates, if any"),
    "first_seen": ("datetime", "First report of the incident (UTC)"),
    "last_seen": ("datetime", "Latest report of the incident (UTC)"),
    "article_count": ("integer", "Number of documents"),
    "source_count": ("integer", "Number of distinct sources"),
    "stages": ("string", "Labels in the order they were first reported, '>'-separated"),
    "merged_ids": ("string", "Incident ids merged into this one, ';'-separated"),
    "reply_count": ("integer", "Forum replies to the incident's threads"),
    "date": ("date", "Day (UTC)"),
    "label": ("string", "One label"),
}
TABLE_DOCS = {
    "articles": ("Every document crawled, with its labels and incident", ARTICLE_COLUMNS),
    "incidents": ("One row per incident: the real-world event several documents report", INCIDENT_COLUMNS),
    "timeline": ("One row per incident, day and label", TIMELINE_COLUMNS),
}


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through ``write`` to a temporary file beside ``path``, fsync, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _csv_bytes(table: pd.DataFrame) -> bytes:
    table = table.copy()
    for column in table.columns:
        if isinstance(table[column].dtype, pd.DatetimeTZDtype):
            table[column] = (
                table[column]
                .dt.tz_convert("UTC")
                .map(lambda t: t.isoformat().replace("+00:00", "Z") if pd.notna(t) else "")
            )
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8")


def datapackage(now: str) -> dict[str, Any]:
    resources = []
    for name, (description, columns) in TABLE_DOCS.items():
        fields = [{"name": c, "type": FIELD_DOCS[c][0], "description": FIELD_DOCS[c][1]} for c in columns]
        resources.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": description,
                "schema": {"fields": fields, **({"primaryKey": [columns[0]]} if name != "timeline" else {})},
            }
        )
    return {
        "name": "sellerwatch-feed",
        "title": "SellerWatch incident feed",
        "description": "Marketplace incidents (brand removals, apologies, policy tightening) "
        "found in seller news and forums, with their daily timelines.",
        "profile": "tabular-data-package",
        "created": now,
        "licenses": [{"name": "ODC-BY-1.0", "title": "Open Data Commons Attribution License 1.0"}],
        "resources": resources,
    }


def write_feed(
    out: Path,
    articles: pd.DataFrame,
    incidents: pd.DataFrame,
    timeline: pd.DataFrame,
    *,
    chart: Callable[[Path, pd.DataFrame, pd.DataFrame], None] | None = None,
) -> dict[str, Any]:
    """Write every feed file atomically; the manifest last. Returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    files: dict[str, dict[str, Any]] = {}
    for name, table, columns in (
        ("articles.csv", articles, ARTICLE_COLUMNS),
        ("incidents.csv", incidents, INCIDENT_COLUMNS),
        ("timeline.csv", timeline, TIMELINE_COLUMNS),
    ):
        data = _csv_bytes(table[columns])
        atomic_write(out / name, lambda handle, data=data: handle.write(data))
        files[name] = _describe(data, rows=len(table))
    package = json.dumps(datapackage(now), indent=2).encode("utf-8")
    atomic_write(out / "datapackage.json", lambda handle: handle.write(package))
    files["datapackage.json"] = _describe(package, rows=None)
    if chart is not None:
        chart(out / "timeline.png", incidents, timeline)
        files["timeline.png"] = _describe((out / "timeline.png").read_bytes(), rows=None)
    manifest = {"generated_at": now, "files": files}
    body = json.dumps(manifest, indent=2).encode("utf-8")
    atomic_write(out / "manifest.json", lambda handle: handle.write(body))
    return manifest


def _describe(data: bytes, rows: int | None) -> dict[str, Any]:
    return {"bytes": len(data), "rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
