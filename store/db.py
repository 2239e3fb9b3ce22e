"""Open a store, check its schema version, and read and write documents, posts and labels.

Every write is a single statement that is safe with many concurrent writers: inserts use
``ON CONFLICT DO NOTHING`` and updates are conditional on the content hash, so two workers
storing the same page never duplicate it and never race a read against a write.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import time
from collections.abc import Container, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from store import schema

SCHEMA_VERSION = 1
_SCHEMA_LOCK = 0x5E11E7  # PostgreSQL advisory lock held while a process creates the schema
DEFAULT_DB_PATH = Path("sellerwatch.sqlite")
UpsertOutcome = Literal["new", "changed", "unchanged"]

DOCUMENT_FIELDS = (
    "url",
    "source",
    "kind",
    "title",
    "author",
    "published",
    "updated",
    "text",
    "language",
    "platform",
    "extra",
)


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says why and what to do."""


def default_db_url() -> str:
    """``SELLERWATCH_DB`` when set, else the SQLite file in the working directory."""
    return os.environ.get("SELLERWATCH_DB") or f"sqlite:///{DEFAULT_DB_PATH}"


def document_id(url: str) -> str:
    """A stable id for a document, derived from its canonical URL."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def content_hash(*parts: str | None) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def _dialect(name: str) -> Any:
    """SQLAlchemy's dialect module for ``name``: its ``insert`` has ``on_conflict_do_nothing``."""
    return postgresql if name == "postgresql" else sqlite


def _insert(conn: Connection, table: Any) -> Any:
    """A dialect insert that supports ``on_conflict_do_nothing`` on SQLite and PostgreSQL."""
    return _dialect(conn.dialect.name).insert(table)


@dataclass(frozen=True)
class _DocumentStatements:
    insert: Any
    update_changed: Any
    touch: Any
    add_version: Any


@functools.cache
def _document_statements(dialect_name: str) -> _DocumentStatements:
    """``upsert_document``'s statements, built once per dialect: values come as parameters,
    so a crawl does not rebuild (and SQLAlchemy does not re-key) four statements per page."""
    dialect = _dialect(dialect_name)
    documents = schema.documents
    by_id = documents.c.id == bindparam("doc_id")
    return _DocumentStatements(
        insert=dialect.insert(documents)
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(documents.c.id),
        update_changed=documents.update()
        .where(by_id, documents.c.content_hash != bindparam("digest"))
        .returning(documents.c.id),
        touch=documents.update().where(by_id),
        add_version=dialect.insert(schema.document_versions).on_conflict_do_nothing(),
    )


def _use_wal(cursor: Any, patience: float = 30.0) -> None:
    """Put the database file in WAL mode (it stays so: one switch per file). SQLite answers a
    journal-mode switch that meets another connection's lock with "locked" at once, without its
    busy timeout, so a new store opened by several processes at once retries for a while."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + patience
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")  # an in-memory database keeps "memory"
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    _use_wal(cursor)
    # With WAL, NORMAL survives any crash of the program; only a power cut may lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@dataclass
class PostsOutcome:
    new: int = 0
    changed: int = 0
    deleted: int = 0


class Store:
    """A SellerWatch database: documents, forum posts, labels, pages seen and crawl runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ----- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True) -> Store:
        """Open (and with ``create``, initialise) the store at ``url``.

        Raises :class:`StoreError` with a readable message when the URL is malformed, the
        database cannot be reached, or its schema version differs from this code's.
        """
        url = url or default_db_url()
        engine = _make_engine(url)
        store = cls(engine)
        store._check_schema(url, create=create)
        return store

    def close(self) -> None:
        self.engine.dispose()

    def _create_schema(self) -> None:
        """Create the tables and record the schema version in one transaction that holds the
        database's schema lock, so that processes opening a new store at once (workers started
        together) neither see half a schema nor trip over a table another one just created."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                # pysqlite opens no transaction for DDL: without this, each CREATE commits alone.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK)))
            schema.metadata.create_all(conn)  # only what no other process created meanwhile
            conn.execute(
                _insert(conn, schema.meta)
                .values(key="schema_version", value=str(SCHEMA_VERSION))
                .on_conflict_do_nothing()
            )

    def _check_schema(self, url: str, *, create: bool) -> None:
        where = redact_url(url)
        try:
            tables = set(inspect(self.engine).get_table_names())
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {where}: {_first_line(exc)}") from exc
        if schema.meta.name not in tables:
            if tables & {t.name for t in schema.metadata.sorted_tables}:
                raise StoreError(
                    f"database {where} has SellerWatch tables but no schema version: "
                    "it was not made by this program; use a fresh database"
                )
            if not create:
                raise StoreError(f"database {where} is empty: run a crawl or import first")
            try:
                self._create_schema()
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot create the store in {where}: {_first_line(exc)}") from exc
        with self.engine.connect() as conn:
            found = conn.execute(
                select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
            ).scalar_one_or_none()
        if found is None or not found.isdigit():
            raise StoreError(f"database {where} records no valid schema version ({found!r})")
        version = int(found)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"database {where} has schema version {version}, newer than this SellerWatch "
                f"understands ({SCHEMA_VERSION}): upgrade SellerWatch"
            )
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"database {where} has schema version {version}, older than this SellerWatch "
                f"expects ({SCHEMA_VERSION}): export it with the older version and re-import"
            )

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # ----- documents -----------------------------------------------------------------------
    def upsert_document(self, doc: Mapping[str, Any]) -> tuple[str, UpsertOutcome]:
        """Store a crawled document keyed on its canonical URL.

        Returns its id and whether it was new, changed (its content hash moved) or unchanged.
        """
        values = {field: doc.get(field) for field in DOCUMENT_FIELDS}
        values["extra"] = dict(doc.get("extra") or {})
        values["title"] = values["title"] or ""
        values["text"] = values["text"] or ""
        doc_id = document_id(values["url"])
        digest = content_hash(values["title"], values["text"], values["author"])
        fetched = doc.get("fetched_at") or now()
        row = {**values, "content_hash": digest, "fetched_at": fetched, "changed_at": fetched}
        with self.engine.begin() as conn:
            statements = _document_statements(conn.dialect.name)
            inserted = conn.execute(
                statements.insert,
                {
                    **row,
                    "id": doc_id,
                    "first_seen": fetched,
                    "near_duplicate_of": doc.get("near_duplicate_of"),
                },
            ).first()
            if inserted is not None:
                outcome: UpsertOutcome = "new"
            else:
                updated = conn.execute(
                    statements.update_changed, {**row, "doc_id": doc_id, "digest": digest}
                ).first()
                outcome = "changed" if updated is not None else "unchanged"
                if outcome == "unchanged":  # same content; refresh what we know about it
                    conn.execute(
                        statements.touch,
                        {"doc_id": doc_id, "fetched_at": fetched, "extra": values["extra"]},
                    )
            if outcome != "unchanged":
                conn.execute(
                    statements.add_version,
                    {"document_id": doc_id, "content_hash": digest, "seen_at": fetched},
                )
        return doc_id, outcome

    def oldest_first(self, ids: Iterable[str]) -> list[str]:
        """``ids`` of stored documents, the first seen first (ties by id): the same order for
        every process that asks."""
        columns = schema.documents.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(columns.id).where(columns.id.in_(list(ids))).order_by(columns.first_seen, columns.id)
            )
            return [row.id for row in rows]

    def link_near_duplicate(self, doc_id: str, original_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.documents.update()
                .where(schema.documents.c.id == doc_id)
                .values(near_duplicate_of=original_id)
            )

    def content_history(self, doc_id: str) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(schema.document_versions.c.content_hash)
                .where(schema.document_versions.c.document_id == doc_id)
                .order_by(schema.document_versions.c.seen_at)
            )
            return [row[0] for row in rows]

    def get_document(self, doc_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.documents).where(schema.documents.c.id == doc_id)).first()
        return dict(row._mapping) if row else None

    def iter_documents(self, *, source: str | None = None) -> Iterator[dict[str, Any]]:
        query = select(schema.documents).order_by(schema.documents.c.id)
        if source:
            query = query.where(schema.documents.c.source == source)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield dict(row._mapping)

    def recent_news_texts(
        self, days: int, *, after: datetime | None = None, known: Container[str] = ()
    ) -> list[tuple[str, str | None, datetime]]:
        """(id, text, first seen) of news documents first seen or published in the last ``days`` days,
        or, with ``after``, first seen since then; the text of ``known`` ids is not read (None)."""
        from datetime import timedelta

        columns = schema.documents.c
        query = select(columns.id, columns.first_seen).where(
            columns.kind == "news", columns.near_duplicate_of.is_(None)
        )
        if after is None:
            cutoff = now() - timedelta(days=days)
            query = query.where((columns.first_seen >= cutoff) | (columns.published >= cutoff))
        else:
            query = query.where(columns.first_seen > after)
        with self.engine.connect() as conn:
            # Ordered by first_seen, so SQLite walks the first_seen index instead of the whole table.
            found = conn.execute(query.order_by(columns.first_seen)).all()
            wanted = [row.id for row in found if row.id not in known]
            texts: dict[str, str] = {}
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                texts.update(
                    conn.execute(select(columns.id, columns.text).where(columns.id.in_(chunk))).all()
                )
        return [(row.id, texts.get(row.id), row.first_seen) for row in found]

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(func.count()).select_from(schema.metadata.tables[table])).scalar_one()
            )

    def known_documents(self, source: str) -> dict[str, dict[str, Any]]:
        """URL → published, updated, extra and fetched time of every stored document of a source."""
        columns = schema.documents.c
        query = select(
            columns.url, columns.published, columns.updated, columns.fetched_at, columns.extra
        ).where(columns.source == source)
        known: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                entry = dict(row._mapping)
                known[row.url] = entry
                fetched_url = (row.extra or {}).get("fetched_url")
                if fetched_url:
                    known.setdefault(fetched_url, entry)
        return known

    # ----- forum posts ---------------------------------------------------------------------
    def upsert_posts(self, doc_id: str, posts: Iterable[Mapping[str, Any]]) -> PostsOutcome:
        """Store a thread's posts: new ones are added, edited ones updated, deleted ones marked."""
        outcome = PostsOutcome()
        fetched = now()
        table = schema.posts
        with self.engine.begin() as conn:
            for post in posts:
                deleted = bool(post.get("deleted"))
                values = {
                    "post_id": post.get("post_id"),
                    "author": post.get("author"),
                    "created": post.get("created"),
                    "updated": post.get("updated"),
                    "reply_to": post.get("reply_to"),
                    "text": post.get("text") or "",
                    "quoted_text": post.get("quoted_text") or "",
                    "deleted": deleted,
                    "content_hash": content_hash(post.get("text"), str(deleted)),
                    "fetched_at": fetched,
                }
                inserted = conn.execute(
                    _insert(conn, table)
                    .values(document_id=doc_id, number=post["number"], **values)
                    .on_conflict_do_nothing()
                    .returning(table.c.number)
                ).first()
                if inserted is not None:
                    outcome.new += 1
                    continue
                if deleted:  # keep the words we had; mark the post deleted
                    values.pop("text")
                    values.pop("quoted_text")
                changed = conn.execute(
                    table.update()
                    .where(table.c.document_id == doc_id, table.c.number == post["number"])
                    .where(table.c.content_hash != values["content_hash"])
                    .values(**values)
                    .returning(table.c.number)
                ).first()
                if changed is not None:
                    if deleted:
                        outcome.deleted += 1
                    else:
                        outcome.changed += 1
        return outcome

    def reply_activity(self) -> Any:
        """Forum replies (post number > 1, not deleted) as a DataFrame of doc_id and created."""
        import pandas as pd

        posts = schema.posts
        query = select(posts.c.document_id, posts.c.created).where(
            posts.c.number > 1, posts.c.deleted.is_(False), posts.c.created.is_not(None)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame(rows, columns=["doc_id", "created"])
        frame["created"] = pd.to_datetime(frame["created"], utc=True)
        return frame

    def posts_of(self, doc_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(schema.posts)
                .where(schema.posts.c.document_id == doc_id)
                .order_by(schema.posts.c.number)
            )
            return [dict(row._mapping) for row in rows]

    # ----- pages (conditional requests, sitemap lastmod) ----------------------------------
    def record_page(self, url: str, source: str, **state: Any) -> None:
        values = {"source": source, "fetched_at": now(), **state}
        with self.engine.begin() as conn:
            statement = _insert(conn, schema.pages).values(url=url, **values)
            conn.execute(statement.on_conflict_do_update(index_elements=["url"], set_=values))

    def page_states(self, source: str) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.pages).where(schema.pages.c.source == source))
            return {row.url: dict(row._mapping) for row in rows}

    # ----- crawl runs ----------------------------------------------------------------------
    def start_run(self, source: str) -> int:
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    schema.crawl_runs.insert()
                    .values(source=source, started_at=now(), status="running", counts={})
                    .returning(schema.crawl_runs.c.id)
                ).scalar_one()
            )

    def finish_run(self, run_id: int, status: str, counts: Mapping[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.crawl_runs.update()
                .where(schema.crawl_runs.c.id == run_id)
                .values(status=status, finished_at=now(), counts=dict(counts))
            )

    def record_failure(self, run_id: int, url: str, reason: str, detail: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.crawl_failures.insert().values(
                    run_id=run_id, url=url, reason=reason, detail=detail[:2000], at=now()
                )
            )

    def failures(self, run_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.crawl_failures).where(schema.crawl_failures.c.run_id == run_id))
            return [dict(row._mapping) for row in rows]

    def last_run_finished(self, source: str) -> bool:
        """Whether the newest earlier crawl of ``source`` ran to its end (not killed mid-way)."""
        runs = schema.crawl_runs
        with self.engine.connect() as conn:
            status = conn.execute(
                select(runs.c.status).where(runs.c.source == source).order_by(runs.c.id.desc()).limit(1)
            ).scalar_one_or_none()
        return status == "finished"

    def runs(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.crawl_runs).order_by(schema.crawl_runs.c.id))
            return [dict(row._mapping) for row in rows]

    # ----- labels --------------------------------------------------------------------------
    def documents_to_classify(self, model_version: str) -> list[dict[str, Any]]:
        """Documents never labelled by ``model_version``, or changed since it labelled them."""
        docs, lab = schema.documents, schema.labels
        labelled = (
            select(lab.c.document_id)
            .where(lab.c.model_version == model_version)
            .where(lab.c.content_hash == docs.c.content_hash)
            .where(lab.c.document_id == docs.c.id)
        )
        query = select(docs).where(~labelled.exists()).order_by(docs.c.id)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def save_labels(
        self,
        model_version: str,
        rows: Iterable[tuple[str, str, Mapping[str, float], set[str]]],
    ) -> int:
        """Store (document id, content hash, label → score, assigned labels) for one model."""
        stored = 0
        at = now()
        with self.engine.begin() as conn:
            for doc_id, digest, scores, assigned in rows:
                conn.execute(
                    schema.labels.delete().where(
                        schema.labels.c.document_id == doc_id,
                        schema.labels.c.model_version == model_version,
                    )
                )
                conn.execute(
                    schema.labels.insert(),
                    [
                        {
                            "document_id": doc_id,
                            "model_version": model_version,
                            "label": label,
                            "score": float(score),
                            "assigned": label in assigned,
                            "content_hash": digest,
                            "labelled_at": at,
                        }
                        for label, score in scores.items()
                    ],
                )
                stored += 1
        return stored

    def latest_labels(self) -> dict[str, dict[str, Any]]:
        """Per document: the labels and scores of the newest model that labelled it."""
        lab = schema.labels
        with self.engine.connect() as conn:
            rows = conn.execute(select(lab).order_by(lab.c.document_id, lab.c.labelled_at, lab.c.label)).all()
        latest: dict[str, dict[str, Any]] = {}
        for row in rows:
            entry = latest.get(row.document_id)
            if entry is None or entry["labelled_at"] < row.labelled_at:
                entry = {
                    "labelled_at": row.labelled_at,
                    "model_version": row.model_version,
                    "labels": [],
                    "scores": {},
                }
                latest[row.document_id] = entry
            if row.model_version != entry["model_version"]:
                continue
            entry["scores"][row.label] = row.score
            if row.assigned:
                entry["labels"].append(row.label)
        return latest

    def set_gold_labels(self, doc_id: str, labels: Iterable[str], *, by: str, note: str = "") -> None:
        values = {"labels": sorted(set(labels)), "labelled_by": by, "note": note, "labelled_at": now()}
        with self.engine.begin() as conn:
            statement = _insert(conn, schema.gold_labels).values(document_id=doc_id, **values)
            conn.execute(statement.on_conflict_do_update(index_elements=["document_id"], set_=values))

    def gold_labels(self) -> dict[str, list[str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.gold_labels))
            return {row.document_id: list(row.labels) for row in rows}

    # ----- incidents -----------------------------------------------------------------------
    def incident_memberships(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.incident_members))
            return {row.document_id: row.incident_id for row in rows}

    def save_incident_memberships(self, members: Mapping[str, str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(schema.incident_members.delete())
            if members:
                conn.execute(
                    schema.incident_members.insert(),
                    [{"document_id": d, "incident_id": i} for d, i in members.items()],
                )


def _make_engine(url: str) -> Engine:
    where = redact_url(url)
    try:
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[-1]
            if path and path != ":memory:":
                parent = Path(path).expanduser().resolve().parent
                if not parent.is_dir():
                    raise StoreError(f"cannot open database {where}: folder {parent} does not exist")
                if Path(path).exists() and not os.access(path, os.R_OK | os.W_OK):
                    raise StoreError(f"cannot open database {where}: file is not readable/writable")
            engine = create_engine(url)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise StoreError(f"bad database URL {where}: {_first_line(exc)}") from exc


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and summaries."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
