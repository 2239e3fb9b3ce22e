"""The ``sellerwatch`` command: one sub-command per stage, each ending with a short summary."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import StoreError, default_db_url

if TYPE_CHECKING:
    from crawler.sources import Source

EXIT_OK, EXIT_FAILED = 0, 1  # argparse exits 2 on usage errors; the nightly job adds 3 and 75


class CommandError(RuntimeError):
    """A failure the user can act on; printed without a traceback."""


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        help="database URL (default: $SELLERWATCH_DB, else sqlite:///sellerwatch.sqlite); "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )


def _prefix_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-prefix",
        default="sellerwatch",
        metavar="PREFIX",
        help="prefix of the Redis keys, one per deployment (default: sellerwatch)",
    )


def _setting_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy setting, e.g. -s CONCURRENT_REQUESTS_PER_DOMAIN=8 (repeatable)",
    )


def _settings(args: argparse.Namespace) -> dict[str, str]:
    overrides = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--set {item!r}: expected NAME=VALUE")
        overrides[name.strip()] = value
    return overrides


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sellerwatch",
        description="Crawl seller news and forums, label marketplace incidents "
        "(brand_removal, apology, policy_tightening) and publish incident timelines.",
        epilog="Data flows one way: crawl -> store -> classify -> timeline -> feed. "
        "`sellerwatch nightly` runs them all; `sellerwatch demo` does so offline.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo", help="serve the offline demo world and run two nights of the job on it"
    )
    demo.add_argument("--out", type=Path, default=Path("demo-out"), help="output folder (default: demo-out)")

    crawl = commands.add_parser("crawl", help="crawl the sources of a sources file into the store")
    crawl.add_argument("--sources", type=Path, required=True, help="sources file (TOML)")
    _db_arg(crawl)
    crawl.add_argument(
        "--source", action="append", dest="names", metavar="NAME", help="crawl only this source (repeatable)"
    )
    crawl.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    _setting_arg(crawl)
    crawl.add_argument(
        "--redis",
        metavar="URL",
        help="distributed mode: start a new run in this Redis (redis://host:6379/0) and put every "
        "source's start requests in its shared queue, for `sellerwatch worker` processes to crawl",
    )
    _prefix_arg(crawl)

    worker = commands.add_parser(
        "worker",
        help="crawl from a distributed run's shared Redis queue (start any number, on any machine)",
        description="Take requests of the newest run seeded by `crawl --redis` from the shared "
        "Redis queue, fetch and store them like a single-machine crawl, and exit once every "
        "source's queue has been empty, with nothing in flight, for --idle-timeout seconds.",
    )
    worker.add_argument("--sources", type=Path, required=True, help="sources file (TOML), as given to crawl")
    _db_arg(worker)
    worker.add_argument("--redis", metavar="URL", required=True, help="Redis URL, as given to crawl")
    _prefix_arg(worker)
    worker.add_argument(
        "--source",
        action="append",
        dest="names",
        metavar="NAME",
        help="work only on this source (repeatable)",
    )
    worker.add_argument(
        "--idle-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="exit after the queues stay empty this long (default 60)",
    )
    worker.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    _setting_arg(worker)

    export = commands.add_parser("export", help="write documents with text, labels and incident as JSONL")
    _db_arg(export)
    export.add_argument("--output", type=Path, required=True, help="FILE.jsonl")

    extract = commands.add_parser("extract", help="extract articles from saved HTML files (JSON per file)")
    extract.add_argument("files", nargs="+", type=Path, metavar="FILE.html")
    extract.add_argument("--url", help="the URL the page was fetched from (for relative links and dates)")

    train = commands.add_parser("train", help="train the classifier on labelled JSONL")
    train.add_argument(
        "--data", nargs="+", type=Path, help="training JSONL files (default: data/training/*.jsonl)"
    )
    train.add_argument(
        "--model", type=Path, help="where to write the model (default: the bundled model path)"
    )
    train.add_argument("--seed", type=int, default=13)

    evaluate = commands.add_parser(
        "evaluate", help="per-label precision/recall/F1 of the model on labelled JSONL"
    )
    evaluate.add_argument("--data", type=Path, required=True)
    evaluate.add_argument("--model", type=Path)
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")

    classify = commands.add_parser(
        "classify", help="label documents: a JSONL file, or what is new in the store"
    )
    classify.add_argument("--input", type=Path, help="IN.jsonl (with --output)")
    classify.add_argument("--output", type=Path, help="OUT.jsonl")
    classify.add_argument("--model", type=Path)
    classify.add_argument(
        "--explain", action="store_true", help="show the terms that pushed each document into each label"
    )
    _db_arg(classify)

    timeline = commands.add_parser(
        "timeline", help="group labelled documents into incidents and write the feed"
    )
    timeline.add_argument("--input", type=Path, help="LABELLED.jsonl (default: the store)")
    timeline.add_argument("--out", type=Path, required=True, help="feed folder")
    _db_arg(timeline)

    nightly = commands.add_parser("nightly", help="crawl, classify, rebuild incidents, write feed and report")
    nightly.add_argument("--sources", type=Path, required=True)
    _db_arg(nightly)
    nightly.add_argument("--out", type=Path, required=True, help="feed folder")
    nightly.add_argument("--model", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "db", "unset") is None:
        args.db = default_db_url()
    handler: Callable[[argparse.Namespace], int] = COMMANDS[args.command]
    try:
        return handler(args)
    except (CommandError, StoreError) as exc:
        print(f"sellerwatch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"sellerwatch {args.command}: interrupted", file=sys.stderr)
        return 130


# ----- commands ---------------------------------------------------------------------------------
def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.run import crawl
    from sellerwatch.report import crawl_summary, seed_summary

    sources = _sources(args)
    if args.redis:
        from crawler.distributed import redis_settings, start_run

        run = start_run(_redis(args.redis), args.redis_prefix)
        settings = redis_settings(args.redis, role="seed", prefix=args.redis_prefix, run=run)
        results = crawl(sources, args.db, settings=settings | _settings(args), log_level=args.log_level)
        summary = seed_summary(
            results, run, sources=args.sources, db=args.db, redis=args.redis, prefix=args.redis_prefix
        )
        print(summary)
    else:
        results = crawl(sources, args.db, settings=_settings(args), log_level=args.log_level)
        print(crawl_summary(results))
    return EXIT_OK if all(r.status == "finished" for r in results) else EXIT_FAILED


def cmd_worker(args: argparse.Namespace) -> int:
    from crawler.distributed import redis_settings
    from crawler.run import crawl
    from sellerwatch.report import crawl_summary

    sources = _sources(args)
    _redis(args.redis)
    settings = redis_settings(
        args.redis, role="work", prefix=args.redis_prefix, idle_timeout=args.idle_timeout
    )
    results = crawl(sources, args.db, settings=settings | _settings(args), log_level=args.log_level)
    print(crawl_summary(results))
    return EXIT_OK if all(r.status == "finished" for r in results) else EXIT_FAILED


def _sources(args: argparse.Namespace) -> list[Source]:
    """The selected sources of ``--sources``, after checking that the store opens."""
    from crawler.sources import SourcesError, load_sources, select_sources
    from store import Store

    try:
        sources = select_sources(load_sources(args.sources), args.names)
    except SourcesError as exc:
        raise CommandError(str(exc)) from exc
    Store.open(args.db).close()  # a bad database fails here, before any spider starts
    return sources


def _redis(url: str) -> Any:
    """A client for ``url`` that has answered a PING."""
    import redis

    from store.db import redact_url

    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise CommandError(f"cannot reach Redis at {redact_url(url)}: {exc}") from exc
    return client


def cmd_export(args: argparse.Namespace) -> int:
    from sellerwatch.api import export_jsonl
    from store import Store

    store = Store.open(args.db, create=False)
    count = export_jsonl(store, args.output)
    print(f"exported {count} documents to {args.output}")
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract.article import extract_article
    from crawler.extract.decode import UndecodableError, decode_html

    failed = 0
    for path in args.files:
        try:
            page, _ = decode_html(path.read_bytes())
        except OSError as exc:
            print(f"sellerwatch extract: {path}: cannot read: {exc.strerror}", file=sys.stderr)
            failed += 1
            continue
        except UndecodableError as exc:
            print(f"sellerwatch extract: {path}: {exc}", file=sys.stderr)
            failed += 1
            continue
        article = extract_article(page, args.url)
        print(json.dumps({"file": str(path), **article.to_json()}, ensure_ascii=False))
    print(f"extracted {len(args.files) - failed} of {len(args.files)} files", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from classifier.commands import train

    return train(args)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from classifier.commands import evaluate

    return evaluate(args)


def cmd_classify(args: argparse.Namespace) -> int:
    from classifier.commands import classify

    return classify(args)


def cmd_timeline(args: argparse.Namespace) -> int:
    from timeline.commands import timeline

    return timeline(args)


def cmd_nightly(args: argparse.Namespace) -> int:
    from sellerwatch.nightly import run_nightly

    return run_nightly(args.sources, args.db, args.out, model_path=args.model)


def cmd_demo(args: argparse.Namespace) -> int:
    from sellerwatch.demo import run_demo

    return run_demo(args.out)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": cmd_demo,
    "crawl": cmd_crawl,
    "worker": cmd_worker,
    "export": cmd_export,
    "extract": cmd_extract,
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "classify": cmd_classify,
    "timeline": cmd_timeline,
    "nightly": cmd_nightly,
}


if __name__ == "__main__":
    sys.exit(main())
