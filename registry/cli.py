"""The ``survreg`` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from crawlers import paths
from registry.children import Stopped, stops_raise
from registry.serve import add_serve_arguments

ALLOW_SHRINK = (
    "publish even if the build drops more than 5%% of the deployments or of a source's records"
)
DESCRIPTION = """\
Crawl public records of surveillance procurement and deployments into a crawl store, build the
registry from it and serve it with Datasette. Data lives in ./data unless --data DIR (or
$SURVREG_DATA) names another directory."""
EPILOG = """\
examples:
  survreg demo                                   replay the bundled recordings, build, serve
  survreg crawl contracts-finder --from-date 2024-01-01
  survreg crawl --all --sample 1                 a dry run of every source, one record each
  survreg crawl ocds-package --url URL           any OCDS release or record package
  survreg build && survreg serve                 build the registry, serve it on :8001
  survreg status                                 per-source health; exit 1 when one is broken

Each command has its own --help. Operating scheduled crawls: docs/runbook.md."""
# Options of `survreg crawl` that are spider arguments of the same name.
SPIDER_OPTIONS = {
    "url": "a document to crawl (ocds-package, the dataset sources)",
    "feed": "news-feed: RSS/Atom feed URLs, comma-separated",
    "sitemap": "news-feed: sitemap URLs, comma-separated",
    "listing": "news-feed: listing page URLs, comma-separated",
    "package": "ted: one daily package (URL, or OJ S issue such as 82/2020)",
    "area": "osm-surveillance: ISO 3166 code of the area (CH, CH-GE)",
    "index": "records: the YAML index of a public-records answer (URL or path)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="survreg",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="the data directory (default: $SURVREG_DATA, else ./data)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="replay the bundled snapshot, crawl, build, serve")
    demo.add_argument("--port", type=int, default=8001)
    demo.add_argument("--no-serve", action="store_true")

    crawl = commands.add_parser(
        "crawl",
        help="crawl sources into the crawl store",
        description="Crawl sources into the crawl store, one after another. Exits 1 when a "
        "source's run failed (see `survreg status` for what counts); each source's Scrapy log "
        "is appended to data/logs/SOURCE.log.",
    )
    crawl.add_argument("sources", nargs="*", metavar="SOURCE")
    crawl.add_argument(
        "--all", action="store_true", help="every source that needs no argument (see --url)"
    )
    crawl.add_argument("--from-date", type=_date, metavar="YYYY-MM-DD")
    crawl.add_argument("--until-date", type=_date, metavar="YYYY-MM-DD")
    crawl.add_argument(
        "--sample", type=_positive, metavar="N", help="a dry run: stop after N records"
    )
    crawl.add_argument("--source-url", help="a mirror: only scheme, host and port are swapped")
    for name, text in SPIDER_OPTIONS.items():
        crawl.add_argument(f"--{name}", help=text)
    crawl.add_argument(
        "-a",
        "--argument",
        action="append",
        default=[],
        type=_assignment,
        metavar="NAME=VALUE",
        help="any other spider argument (cpv, keyword)",
    )
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
        "--mirror",
        action="append",
        default=[],
        type=_assignment,
        metavar="SOURCE=URL",
        help="a source's mirror",
    )
    scheduled.add_argument("--allow-loopback", action="store_true")
    scheduled.add_argument("--allow-shrink", action="store_true", help=ALLOW_SHRINK)
    scheduled.add_argument(
        "--httpcache-keep-days",
        type=float,
        default=None,
        metavar="N",
        help="prune HTTP cache entries older than N days after the crawls (default 30)",
    )

    backup = commands.add_parser("backup", help="back up the crawl store (SQLite backup API)")
    backup.add_argument("destination", type=Path, help="a file, or a directory for a dated file")

    prune = commands.add_parser("archive-prune", help="drop old documents no record cites")
    prune.add_argument("--keep-days", type=float, required=True)

    cache = commands.add_parser("httpcache-prune", help="drop HTTP cache entries older than N days")
    cache.add_argument("--keep-days", type=float, required=True)

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
    try:
        with stops_raise():
            if args.data is not None:
                paths.use_data_dir(args.data)
            return COMMANDS[args.command](args)
    except Stopped as exc:
        print(f"survreg {args.command}: {exc}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(f"survreg {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, sqlite3.Error) as exc:
        # A missing, unreadable or malformed file is the user's to fix: one line, no traceback.
        print(f"survreg {args.command}: {_reason(exc)}", file=sys.stderr)
        return 1


def _version() -> str:
    try:
        return version("surveillance-registry")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileExistsError):
        return f"{exc.filename}: not a directory"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, sqlite3.Error):
        # The crawl store is the database every command but build and serve opens itself.
        return f"{paths.crawl_db()}: {exc}"
    return str(exc)


def _date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {value!r}")
    return int(value)


def _assignment(value: str) -> tuple[str, str]:
    name, sep, setting = value.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name, setting


def _demo(args: argparse.Namespace) -> int:
    from registry.demo import run_demo

    return run_demo(port=args.port, serve_registry=not args.no_serve)


def _crawl(args: argparse.Namespace) -> int:
    from registry.crawl import check_crawl, crawl_sources, crawlable_by_default

    arguments = {
        "from_date": args.from_date,
        "until_date": args.until_date,
        "sample": args.sample,
        "source_url": args.source_url,
        **{name: getattr(args, name) for name in SPIDER_OPTIONS},
        **dict(args.argument),
    }
    arguments = {k: v for k, v in arguments.items() if v is not None}
    sources = list(dict.fromkeys([*(crawlable_by_default() if args.all else []), *args.sources]))
    if not sources:
        print("survreg crawl: name sources to crawl, or --all", file=sys.stderr)
        return 2
    # Every source is checked before the first crawl starts; a resumed one with the arguments
    # its interrupted run recorded.
    planned = {}
    for source in sources:
        planned[source] = _resumable(source, arguments) if args.resume else (arguments, {})
        if problem := check_crawl(source, planned[source][0]):
            print(f"survreg crawl: {problem}", file=sys.stderr)
            return 2
    failed = 0
    for outcome in crawl_sources(
        sources,
        prepare=planned.__getitem__,
        allow_loopback=args.allow_loopback,
        live=sys.stderr.isatty(),
    ):
        print("\n".join([outcome.summary(), *outcome.details()]), flush=True)
        failed += not outcome.ok
    if failed:
        print(f"survreg crawl: {failed} of {len(sources)} sources failed", file=sys.stderr)
    return 1 if failed else 0


def _resumable(source: str, arguments: dict) -> tuple[dict, dict]:
    from crawlers.store import CrawlStore
    from registry.schedule import prepare_crawl

    store = CrawlStore(paths.crawl_db())
    try:
        resumed, settings, _mode = prepare_crawl(store, source, arguments)
    finally:
        store.close()
    return resumed, settings


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

    if paths.crawl_db().exists():
        store = CrawlStore(paths.crawl_db())
        try:
            healths = source_health(store)
        finally:
            store.close()
    else:
        # Said on stderr, so that a mistyped --data is seen beside the table of sources not run.
        print(
            f"survreg status: no crawl store at {paths.crawl_db()}: nothing crawled here yet",
            file=sys.stderr,
        )
        healths = source_health(None)
    print(format_table(healths))
    return 1 if any(h.broken for h in healths) else 0


def _scheduled(args: argparse.Namespace) -> int:
    from registry.httpcache import HTTPCACHE_KEEP_DAYS
    from registry.schedule import LOCKED, LockHeld, run_lock, run_scheduled

    try:
        with run_lock(paths.data_dir() / "scheduled.lock") as note:
            if note:
                print(note, file=sys.stderr)
            report = run_scheduled(
                args.sources or None,
                mirrors=dict(args.mirror),
                allow_loopback=args.allow_loopback,
                allow_shrink=args.allow_shrink,
                httpcache_keep_days=args.httpcache_keep_days or HTTPCACHE_KEEP_DAYS,
            )
    except LockHeld as exc:
        print(exc, file=sys.stderr)
        return LOCKED
    print(report.text())
    return 1 if report.failed else 0


def _backup(args: argparse.Namespace) -> int:
    from registry.backup import backup

    if not paths.crawl_db().is_file():
        print(f"survreg backup: no crawl store at {paths.crawl_db()}", file=sys.stderr)
        return 1
    if not (args.destination.is_dir() or args.destination.parent.is_dir()):
        print(f"survreg backup: no directory {args.destination.parent}", file=sys.stderr)
        return 1
    print(f"backed up to {backup(paths.crawl_db(), args.destination)}", file=sys.stderr)
    return 0


def _archive_prune(args: argparse.Namespace) -> int:
    from registry.backup import prune_archive

    removed = prune_archive(paths.crawl_db(), paths.archive_dir(), args.keep_days)
    print(f"removed {len(removed)} documents from {paths.archive_dir()}", file=sys.stderr)
    return 0


def _httpcache_prune(args: argparse.Namespace) -> int:
    from registry.httpcache import prune_httpcache

    removed = prune_httpcache(paths.httpcache_dir(), args.keep_days)
    print(f"removed {removed} entries from {paths.httpcache_dir()}", file=sys.stderr)
    return 0


def _serve_production(args: argparse.Namespace) -> int:
    from registry.asgi import serve_production

    pid_file = args.pid_file or paths.data_dir() / "server.pid"
    return serve_production(host=args.host, port=args.port, workers=args.workers, pid_file=pid_file)


def _parse(args: argparse.Namespace) -> int:
    from crawlers.parsers import parse_members
    from crawlers.parsers.errors import ParseError
    from registry.normalise.kinds import normaliser

    status = 0
    for path in args.files:
        try:
            data = path.read_bytes()
            # A gzip, zip or tar gives its members in turn: a bad one is reported, not fatal.
            for member, items in parse_members(data, format=args.format, name=str(path)):
                try:
                    records = [
                        item if args.raw else normaliser(item.get("kind"))(item) for item in items
                    ]
                except (ParseError, ValueError) as exc:
                    print(f"{member}: {exc}", file=sys.stderr)
                    status = 1
                    continue
                for record in records:
                    print(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str))
        except OSError as exc:
            print(f"{path}: {exc.strerror or exc}", file=sys.stderr)
            status = 1
        except (ParseError, ValueError) as exc:
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
    "httpcache-prune": _httpcache_prune,
    "serve-production": _serve_production,
    "parse": _parse,
}

if __name__ == "__main__":
    sys.exit(main())
