"""The ``survreg`` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from crawlers import paths
from registry.serve import add_serve_arguments

ALLOW_SHRINK = (
    "publish even if the build drops more than 5%% of the deployments or of a source's records"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="survreg", description=__doc__)
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="the data directory (default: $SURVREG_DATA, else ./data)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="replay the bundled snapshot, crawl, build, serve")
    demo.add_argument("--port", type=int, default=8001)
    demo.add_argument("--no-serve", action="store_true")

    crawl = commands.add_parser("crawl", help="crawl sources into the crawl store")
    crawl.add_argument("sources", nargs="*")
    crawl.add_argument("--all", action="store_true", help="every source")
    crawl.add_argument("--from-date")
    crawl.add_argument("--until-date")
    crawl.add_argument("--sample", type=int)
    crawl.add_argument("--source-url", help="a mirror: only scheme, host and port are swapped")
    crawl.add_argument(
        "--allow-loopback", action="store_true", help="allow 127.0.0.1 (for a local mirror only)"
    )
    crawl.add_argument(
        "--resume", action="store_true", help="resumable (JOBDIR data/jobs/SOURCE); resume a stop"
    )

    build = commands.add_parser(
        "build", help="re-derive the registry from the crawl store, atomically"
    )
    build.add_argument("--allow-shrink", action="store_true", help=ALLOW_SHRINK)

    add_serve_arguments(commands.add_parser("serve", help="serve the registry with Datasette"))

    commands.add_parser("status", help="per-source health; non-zero exit when one is broken")

    scheduled = commands.add_parser(
        "scheduled", help="lock, crawl enabled sources incrementally, build, publish on change"
    )
    scheduled.add_argument("sources", nargs="*", help="default: every enabled source")
    scheduled.add_argument(
        "--mirror", action="append", default=[], metavar="SOURCE=URL", help="a source's mirror"
    )
    scheduled.add_argument("--allow-loopback", action="store_true")
    scheduled.add_argument("--allow-shrink", action="store_true", help=ALLOW_SHRINK)

    backup = commands.add_parser("backup", help="back up the crawl store (SQLite backup API)")
    backup.add_argument("destination", type=Path, help="a file, or a directory for a dated file")

    prune = commands.add_parser("archive-prune", help="drop old documents no record cites")
    prune.add_argument("--keep-days", type=float, required=True)

    production = commands.add_parser(
        "serve-production", help="gunicorn + uvicorn workers that follow each published file"
    )
    production.add_argument("--port", type=int, default=8001)
    production.add_argument("--host", default="127.0.0.1")
    production.add_argument("--workers", type=int, default=2)
    production.add_argument("--pid-file", type=Path, help="default: data/server.pid")

    parse = commands.add_parser("parse", help="documents in, normalised records out (JSON lines)")
    parse.add_argument("--format", help="format name (guessed from content when absent)")
    parse.add_argument("--raw", action="store_true", help="print items before normalisation")
    parse.add_argument("files", nargs="+", type=Path)

    args = parser.parse_args(argv)
    if args.data is not None:
        paths.use_data_dir(args.data)
    return COMMANDS[args.command](args)


def _demo(args: argparse.Namespace) -> int:
    from registry.demo import run_demo

    return run_demo(port=args.port, serve_registry=not args.no_serve)


def _crawl(args: argparse.Namespace) -> int:
    from registry.crawl import run_crawl, spider_names

    sources = spider_names() if args.all else args.sources
    if not sources:
        print("name sources to crawl, or --all", file=sys.stderr)
        return 2
    arguments = {
        "from_date": args.from_date,
        "until_date": args.until_date,
        "sample": args.sample,
        "source_url": args.source_url,
    }
    status = 0
    for source in sources:
        source_arguments, settings = arguments, None
        if args.resume:
            from crawlers.store import CrawlStore
            from registry.schedule import prepare_crawl

            store = CrawlStore(paths.crawl_db())
            source_arguments, settings, _mode = prepare_crawl(store, source, arguments)
            store.close()
        result = run_crawl(source, source_arguments, settings, allow_loopback=args.allow_loopback)
        status = status or result.returncode
    return status


def _build(args: argparse.Namespace) -> int:
    from registry.build import BuildError, build

    try:
        report = build(paths.crawl_db(), paths.registry_db(), allow_shrink=args.allow_shrink)
    except BuildError as exc:
        print(f"build failed, live registry unchanged: {exc}", file=sys.stderr)
        return 1
    print(f"built {paths.registry_db()}: {report.summary()}", file=sys.stderr)
    for failure in report.failures:
        print(f"  not built: {failure}", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from registry.serve import serve_from_args

    return serve_from_args(paths.registry_db(), args)


def _status(args: argparse.Namespace) -> int:
    from crawlers.store import CrawlStore
    from registry.health import format_table, source_health

    store = CrawlStore(paths.crawl_db())
    healths = source_health(store)
    store.close()
    print(format_table(healths))
    return 1 if any(h.broken for h in healths) else 0


def _scheduled(args: argparse.Namespace) -> int:
    from registry.schedule import LOCKED, LockHeld, run_lock, run_scheduled

    mirrors = dict(m.split("=", 1) for m in args.mirror)
    try:
        with run_lock(paths.data_dir() / "scheduled.lock") as note:
            if note:
                print(note, file=sys.stderr)
            report = run_scheduled(
                args.sources or None,
                mirrors=mirrors,
                allow_loopback=args.allow_loopback,
                allow_shrink=args.allow_shrink,
            )
    except LockHeld as exc:
        print(exc, file=sys.stderr)
        return LOCKED
    print(report.text())
    return 1 if report.failed else 0


def _backup(args: argparse.Namespace) -> int:
    from registry.backup import backup

    print(f"backed up to {backup(paths.crawl_db(), args.destination)}", file=sys.stderr)
    return 0


def _archive_prune(args: argparse.Namespace) -> int:
    from registry.backup import prune_archive

    removed = prune_archive(paths.crawl_db(), paths.archive_dir(), args.keep_days)
    print(f"removed {len(removed)} documents from {paths.archive_dir()}", file=sys.stderr)
    return 0


def _serve_production(args: argparse.Namespace) -> int:
    from registry.asgi import serve_production

    pid_file = args.pid_file or paths.data_dir() / "server.pid"
    return serve_production(host=args.host, port=args.port, workers=args.workers, pid_file=pid_file)


def _parse(args: argparse.Namespace) -> int:
    from crawlers.parsers import parse_members
    from crawlers.parsers.errors import ParseError
    from registry.normalise.announcement import normalise_announcement
    from registry.normalise.dataset_row import normalise_dataset_row
    from registry.normalise.record import normalise_record
    from registry.normalise.vulnerability import normalise_vulnerability

    # An item without a kind looks up None, which falls back to normalise_record.
    normalisers: dict[str | None, Callable[[dict], dict]] = {
        "announcement": normalise_announcement,
        "dataset_row": normalise_dataset_row,
        "vulnerability": normalise_vulnerability,
    }

    status = 0
    for path in args.files:
        try:
            data = path.read_bytes()
            # A gzip, zip or tar gives its members in turn: a bad one is reported, not fatal.
            for member, items in parse_members(data, format=args.format, name=str(path)):
                try:
                    records = [
                        item
                        if args.raw
                        else normalisers.get(item.get("kind"), normalise_record)(item)
                        for item in items
                    ]
                except (ParseError, ValueError) as exc:
                    print(f"{member}: {exc}", file=sys.stderr)
                    status = 1
                    continue
                for record in records:
                    print(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str))
        except (OSError, ParseError, ValueError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = 1
    sys.stdout.flush()
    return status


COMMANDS = {
    "demo": _demo,
    "crawl": _crawl,
    "build": _build,
    "serve": _serve,
    "status": _status,
    "scheduled": _scheduled,
    "backup": _backup,
    "archive-prune": _archive_prune,
    "serve-production": _serve_production,
    "parse": _parse,
}

if __name__ == "__main__":
    sys.exit(main())
