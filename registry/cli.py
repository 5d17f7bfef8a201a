"""The ``survreg`` command: a thin layer over the library."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from registry import paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="survreg", description=__doc__)
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

    commands.add_parser("build", help="re-derive the registry from the crawl store, atomically")

    serve = commands.add_parser("serve", help="serve the registry with Datasette")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--production", action="store_true")

    commands.add_parser("status", help="per-source table of the last crawl runs")

    parse = commands.add_parser("parse", help="documents in, normalised records out (JSON lines)")
    parse.add_argument("--format", help="format name (guessed from content when absent)")
    parse.add_argument("--raw", action="store_true", help="print items before normalisation")
    parse.add_argument("files", nargs="+", type=Path)

    args = parser.parse_args(argv)
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
        result = run_crawl(source, arguments, allow_loopback=args.allow_loopback)
        status = status or result.returncode
    return status


def _build(args: argparse.Namespace) -> int:
    from registry.build import BuildError, build

    try:
        report = build(paths.crawl_db(), paths.registry_db())
    except BuildError as exc:
        print(f"build failed, live registry unchanged: {exc}", file=sys.stderr)
        return 1
    print(
        f"built {paths.registry_db()}: {report.notices} notices, {report.deployments} "
        f"deployments, {report.failed} records not built",
        file=sys.stderr,
    )
    for failure in report.failures:
        print(f"  not built: {failure}", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from registry.serve import serve

    return serve(paths.registry_db(), host=args.host, port=args.port, production=args.production)


def _status(args: argparse.Namespace) -> int:
    from registry.store import CrawlStore

    store = CrawlStore(paths.crawl_db())
    rows = store.conn.execute(
        "SELECT source, max(started), finish_reason, records_new, records_changed, "
        "records_unchanged, errors FROM crawl_runs GROUP BY source ORDER BY source"
    ).fetchall()
    print(
        f"{'source':28} {'last run':26} {'finish':10} {'new':>6} {'chg':>6} {'same':>6} {'err':>5}"
    )
    broken = 0
    for source, started, reason, new, changed, same, errors in rows:
        print(
            f"{source:28} {started:26} {reason or '-':10} {new:6} {changed:6} {same:6} {errors:5}"
        )
        broken += reason != "finished"
    return 1 if broken else 0


def _parse(args: argparse.Namespace) -> int:
    from crawlers.parsers import parse_document
    from crawlers.parsers.errors import ParseError
    from registry.normalise.record import normalise_record

    status = 0
    for path in args.files:
        try:
            data = path.read_bytes()
            records = list(parse_document(data, url=None, format=args.format))
            for item in records:
                record = item if args.raw else normalise_record(item)
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
    "parse": _parse,
}

if __name__ == "__main__":
    sys.exit(main())
