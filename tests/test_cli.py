"""The sellerwatch command: help, clear errors, exit codes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    "demo",
    "crawl",
    "worker",
    "export",
    "extract",
    "train",
    "evaluate",
    "classify",
    "timeline",
    "nightly",
]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sellerwatch.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_explains_itself(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0 and "usage: sellerwatch" in result.stdout


def test_unknown_command_and_option_exit_2() -> None:
    assert run("frobnicate").returncode == 2
    result = run("crawl", "--sources", "x.toml", "--colour", "red")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_missing_database_folder(tmp_path: Path) -> None:
    result = run(
        "export", "--db", f"sqlite:///{tmp_path}/no/such/dir/db.sqlite", "--output", str(tmp_path / "o.jsonl")
    )
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_unreadable_database(tmp_path: Path) -> None:
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    result = run("export", "--db", f"sqlite:///{path}", "--output", str(tmp_path / "o.jsonl"))
    assert (
        result.returncode == 1
        and "cannot open database" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_foreign_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sellerwatch_meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO sellerwatch_meta VALUES ('schema_version', '99')")
    result = run("export", "--db", f"sqlite:///{path}", "--output", str(tmp_path / "o.jsonl"))
    assert result.returncode == 1 and "schema version 99" in result.stderr


def test_environment_variable_picks_the_database(tmp_path: Path) -> None:
    import os

    path = tmp_path / "env.sqlite"
    env = {**os.environ, "SELLERWATCH_DB": f"sqlite:///{path}"}
    result = run("classify", env=env)
    assert result.returncode == 1 and str(path) in result.stderr  # the store is empty: nothing crawled yet


def test_bad_sources_file_names_source_and_key(tmp_path: Path) -> None:
    sources = tmp_path / "s.toml"
    sources.write_text('[[sources]]\nname = "amz10"\nkind = "news"\nstart_url = ["https://amz10.com/"]\n')
    result = run("crawl", "--sources", str(sources), "--db", f"sqlite:///{tmp_path}/db.sqlite")
    assert result.returncode == 1
    assert "source 'amz10': key 'start_url': unknown key (did you mean 'start_urls'?)" in result.stderr


def test_extract_prints_one_json_object_per_file(tmp_path: Path) -> None:
    import json

    page = tmp_path / "a.html"
    page.write_text(
        "<html><head><title>T</title><meta property='article:published_time' content='2026-01-02T03:04:05Z'>"
        "</head><body><article><h1>Headline here</h1><p>"
        + "The sellers said that their brands were removed from the store, and it was a shock. " * 30
        + "</p></article></body></html>"
    )
    result = run("extract", str(page), str(tmp_path / "missing.html"), "--url", "https://x.example/a")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1 and lines[0]["title"] == "Headline here"
    assert lines[0]["published"] == "2026-01-02T03:04:05+00:00" and lines[0]["language"] == "en"
    assert {"title", "author", "published", "text", "language"} <= set(lines[0])
    assert result.returncode == 1 and "missing.html: cannot read" in result.stderr


@pytest.mark.parametrize("command", ["crawl", "worker"])
def test_an_unreachable_redis_is_a_one_line_error(command: str, tmp_path: Path) -> None:
    args = ["--sources", "data/sources.toml", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"]
    result = run(command, *args, "--redis", "redis://127.0.0.1:9/0")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"sellerwatch {command}: error: cannot reach Redis at redis://127.0.0.1:9/0"
    )
    assert "Traceback" not in result.stderr


def test_a_malformed_setting_is_a_one_line_error(tmp_path: Path) -> None:
    args = ["--sources", "data/sources.toml", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "-s", "NOVALUE"]
    result = run("crawl", *args)
    assert result.returncode == 1 and "expected NAME=VALUE" in result.stderr


def test_a_redis_password_never_reaches_the_output(tmp_path: Path) -> None:
    args = ["--sources", "data/sources.toml", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}"]
    result = run("worker", *args, "--redis", "redis://:s3cret@127.0.0.1:9/0")
    assert result.returncode == 1 and "redis://:***@127.0.0.1:9/0" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
