"""Tables of the store. Column order and names here are the contract for every backend."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

meta = Table(
    "sellerwatch_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("source", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("author", Text),
    Column("published", UTCDateTime()),
    Column("updated", UTCDateTime()),
    Column("text", Text, nullable=False),
    Column("language", String(16)),
    Column("platform", String(32)),
    Column("fetched_at", UTCDateTime(), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
    Column("near_duplicate_of", String(32)),
    Column("extra", JSON, nullable=False, default=dict),
)
Index("ix_documents_source", documents.c.source)
Index("ix_documents_published", documents.c.published)
Index("ix_documents_first_seen", documents.c.first_seen)

document_versions = Table(
    "document_versions",
    metadata,
    Column("document_id", String(32), ForeignKey("documents.id"), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("seen_at", UTCDateTime(), nullable=False),
    UniqueConstraint("document_id", "content_hash"),
)

posts = Table(
    "posts",
    metadata,
    Column("document_id", String(32), ForeignKey("documents.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("post_id", String(64)),
    Column("author", Text),
    Column("created", UTCDateTime()),
    Column("updated", UTCDateTime()),
    Column("reply_to", Integer),
    Column("text", Text, nullable=False),
    Column("quoted_text", Text, nullable=False, default=""),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content_hash", String(64), nullable=False),
    Column("fetched_at", UTCDateTime(), nullable=False),
    UniqueConstraint("document_id", "number"),
)

labels = Table(
    "labels",
    metadata,
    Column("document_id", String(32), ForeignKey("documents.id"), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("label", String(32), nullable=False),
    Column("score", Float, nullable=False),
    Column("assigned", Boolean, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("labelled_at", UTCDateTime(), nullable=False),
    UniqueConstraint("document_id", "model_version", "label"),
)

gold_labels = Table(
    "gold_labels",
    metadata,
    Column("document_id", String(32), ForeignKey("documents.id"), primary_key=True),
    Column("labels", JSON, nullable=False),
    Column("labelled_by", String(128), nullable=False),
    Column("note", Text),
    Column("labelled_at", UTCDateTime(), nullable=False),
)

pages = Table(
    "pages",
    metadata,
    Column("url", Text, primary_key=True),
    Column("source", String(128), nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("lastmod", UTCDateTime()),
    Column("status", Integer),
    Column("fetched_at", UTCDateTime(), nullable=False),
)

crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(128), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("status", String(32), nullable=False),
    Column("counts", JSON, nullable=False, default=dict),
)

crawl_failures = Table(
    "crawl_failures",
    metadata,
    Column("run_id", Integer, ForeignKey("crawl_runs.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("reason", String(64), nullable=False),
    Column("detail", Text),
    Column("at", UTCDateTime(), nullable=False),
)
Index("ix_crawl_failures_run", crawl_failures.c.run_id)

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", String(32), primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("merged_into", String(32)),
)

incident_members = Table(
    "incident_members",
    metadata,
    Column("document_id", String(32), primary_key=True),
    Column("incident_id", String(32), nullable=False),
)
