"""Shared fixtures: the demo world over HTTP, real PostgreSQL and Redis, and ../shared data.

On a machine without PostgreSQL or Redis the tests that need them skip with the reason; with
``CI=true`` they fail instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from demoworld import DemoWorld

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SELLERWATCH_SHARED", REPO.parent / "shared"))
PG_ADMIN_URL = os.environ.get("SELLERWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SELLERWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
FAST_CRAWL = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 1,
    "DOWNLOAD_TIMEOUT": 5,
}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not running on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true: these tests must run in CI, not skip")
    pytest.skip(f"{message} (start it to run these tests)")


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "DESIGN.md").exists():
        if IN_CI:
            pytest.fail(f"../shared is missing at {SHARED} in CI")
        pytest.skip(f"../shared is not beside the project ({SHARED}); benchmark-data tests skipped")
    return SHARED


@pytest.fixture
def world() -> Iterator[DemoWorld]:
    with DemoWorld(day=1) as demo:
        yield demo


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    need_service("PostgreSQL", "127.0.0.1", 5432)
    from sqlalchemy import create_engine, text

    name = f"sellerwatch_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def fresh_postgres(postgres_url: str) -> Iterator[str]:
    """The session database, emptied before each test."""
    from sqlalchemy import create_engine

    from store.schema import metadata

    engine = create_engine(postgres_url)
    metadata.drop_all(engine)
    engine.dispose()
    yield postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against the embedded SQLite store and the real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("fresh_postgres")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    need_service("Redis", "127.0.0.1", 6379)
    import redis

    prefix = f"sellerwatch-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
