"""The store, run against SQLite and the real PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from store import SCHEMA_VERSION, Store, StoreError
from store.db import document_id


def article(
    url: str = "https://news.example.com/p/1.html", text_: str = "Brands vanished.", **extra: object
) -> dict:
    return {
        "url": url,
        "source": "example",
        "kind": "news",
        "title": "Brands removed",
        "text": text_,
        "author": "A. Writer",
        "published": datetime(2026, 6, 8, 9, 30, tzinfo=UTC),
        **extra,
    }


def test_upsert_is_keyed_on_url_and_content_hash(db_url: str) -> None:
    store = Store.open(db_url)
    doc_id, outcome = store.upsert_document(article())
    assert (doc_id, outcome) == (document_id("https://news.example.com/p/1.html"), "new")
    assert store.upsert_document(article())[1] == "unchanged"
    assert store.upsert_document(article(text_="Brands vanished, then came back."))[1] == "changed"
    assert store.count("documents") == 1
    assert len(store.content_history(doc_id)) == 2
    stored = store.get_document(doc_id)
    assert stored["text"] == "Brands vanished, then came back."
    assert stored["published"] == datetime(2026, 6, 8, 9, 30, tzinfo=UTC)
    assert stored["published"].tzinfo is not None


def test_posts_new_edited_and_deleted(db_url: str) -> None:
    store = Store.open(db_url)
    doc_id, _ = store.upsert_document(article(kind="forum"))
    first = [{"number": 1, "text": "My brand is gone"}, {"number": 2, "text": "Same here"}]
    assert store.upsert_posts(doc_id, first).new == 2
    again = store.upsert_posts(doc_id, [*first, {"number": 3, "text": "Back now"}])
    assert (again.new, again.changed, again.deleted) == (1, 0, 0)
    edited = store.upsert_posts(doc_id, [{"number": 2, "text": "Same here since 6am"}])
    assert edited.changed == 1
    deleted = store.upsert_posts(doc_id, [{"number": 3, "text": "", "deleted": True}])
    assert deleted.deleted == 1
    posts = store.posts_of(doc_id)
    assert [p["number"] for p in posts] == [1, 2, 3]
    assert posts[1]["text"] == "Same here since 6am"
    assert posts[2]["deleted"] is True and posts[2]["text"] == "Back now"  # kept, marked deleted


def test_labels_per_model_version_and_gold_apart(db_url: str) -> None:
    store = Store.open(db_url)
    doc_id, _ = store.upsert_document(article())
    digest = store.get_document(doc_id)["content_hash"]
    assert [d["id"] for d in store.documents_to_classify("m1")] == [doc_id]
    scores = {"brand_removal": 0.9, "apology": 0.1, "policy_tightening": 0.2}
    store.save_labels("m1", [(doc_id, digest, scores, {"brand_removal"})])
    assert store.documents_to_classify("m1") == []
    assert [d["id"] for d in store.documents_to_classify("m2")] == [doc_id]
    store.upsert_document(article(text_="Changed text"))
    assert [d["id"] for d in store.documents_to_classify("m1")] == [doc_id]
    assert store.latest_labels()[doc_id]["labels"] == ["brand_removal"]
    store.set_gold_labels(doc_id, ["apology"], by="analyst")
    assert store.gold_labels() == {doc_id: ["apology"]}
    assert store.latest_labels()[doc_id]["labels"] == ["brand_removal"]  # the model's stay as they were


def test_concurrent_writers_never_duplicate(db_url: str) -> None:
    store = Store.open(db_url)
    urls = [f"https://news.example.com/p/{i}.html" for i in range(40)]
    outcomes: list[str] = []

    def writer() -> None:
        local = Store.open(db_url)
        for url in urls:
            outcomes.append(local.upsert_document(article(url=url))[1])
        local.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count("documents") == len(urls)
    assert outcomes.count("new") == len(urls)


def test_processes_opening_a_new_store_at_once_all_get_it(db_url: str) -> None:
    """Workers started together on an empty database: one creates the schema, the others wait
    for it; none sees half a schema or fails on a table another just created."""
    opened: list[int] = []
    errors: list[str] = []
    start = threading.Barrier(6)

    def opener() -> None:
        start.wait()
        try:
            store = Store.open(db_url)
            opened.append(store.count("documents"))
            store.close()
        except StoreError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert opened == [0] * 6


def test_newer_schema_is_refused_with_a_clear_message(db_url: str) -> None:
    store = Store.open(db_url)
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE sellerwatch_meta SET value = :v WHERE key = 'schema_version'"),
            {"v": str(SCHEMA_VERSION + 1)},
        )
    store.close()
    with pytest.raises(StoreError, match="newer than this SellerWatch"):
        Store.open(db_url)


def test_older_schema_is_refused(db_url: str) -> None:
    store = Store.open(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE sellerwatch_meta SET value = '0' WHERE key = 'schema_version'"))
    store.close()
    with pytest.raises(StoreError, match="older than this SellerWatch expects"):
        Store.open(db_url)


def test_foreign_database_is_refused(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE documents (id TEXT)")
    with pytest.raises(StoreError, match="no schema version"):
        Store.open(f"sqlite:///{path}")


def test_missing_folder_and_bad_url_are_clear_errors(tmp_path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(f"sqlite:///{tmp_path / 'nowhere' / 'db.sqlite'}")
    with pytest.raises(StoreError, match="bad database URL"):
        Store.open("nosuchdriver://x")
    with pytest.raises(StoreError, match="is empty"):
        Store.open(f"sqlite:///{tmp_path / 'empty.sqlite'}", create=False)


def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot open database"):
        Store.open("postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
