"""``survreg serve``: Datasette over the registry with metadata.yml, templates and our plugins."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

from registry import children

# The top-level metadata.yml and templates/, shipped inside the package (symbolic links in a
# checkout, copies in a wheel), so an installed registry serves from any directory.
SITE = Path(__file__).resolve().parent / "site"
METADATA = SITE / "metadata.yml"
TEMPLATES = SITE / "templates"
DEVELOPMENT_SETTINGS = {
    "sql_time_limit_ms": "3000",
    "max_returned_rows": "1000",
    "facet_time_limit_ms": "1000",
}
# Limits for a public server: a runaway query is interrupted after a second on one of several
# threads, so it never holds up other requests; facet suggestions (a second per page on a million
# rows) are off, and pages may be cached for an hour since the file only changes on republish.
PRODUCTION_SETTINGS = {
    "sql_time_limit_ms": "1000",
    "max_returned_rows": "1000",
    "facet_time_limit_ms": "500",
    "default_cache_ttl": "3600",
    "allow_download": "off",
    "suggest_facets": "off",
    "num_sql_threads": "4",
    "allow_csv_stream": "on",
    "truncate_cells_html": "2000",
}


def inspect_file(registry_db: Path) -> Path:
    """Where ``datasette inspect`` counts for a registry file are kept."""
    return registry_db.with_name(f"{registry_db.name}.inspect.json")


def ensure_inspect_file(registry_db: Path) -> Path:
    """Precompute table counts for an immutable file, so pages skip a count(*) of every table."""
    path = inspect_file(registry_db)
    if not path.exists() or path.stat().st_mtime < registry_db.stat().st_mtime:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "datasette",
                "inspect",
                str(registry_db),
                "--inspect-file",
                str(path),
            ],
            check=True,
        )
    return path


def datasette_command(
    registry_db: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    production: bool = False,
    allow_sql: bool | None = None,
    allow_download: bool | None = None,
    cors: bool | None = None,
    inspect: Path | None = None,
) -> list[str]:
    """The Datasette command line; production serves an immutable file with tight limits.

    ``allow_sql``, ``allow_download`` and ``cors`` default to off, off, on in production and to
    on, on, off in development; ``inspect`` is a ``datasette inspect`` file for immutable counts.
    """
    command = [
        sys.executable,
        "-m",
        # Datasette's own `serve`, with the header timeout of registry/asgi.py.
        "registry.asgi",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(METADATA),
        "--template-dir",
        str(TEMPLATES),
    ]
    command += ["--immutable", str(registry_db)] if production else [str(registry_db)]
    if production and inspect:
        command += ["--inspect-file", str(inspect)]
    settings = dict(PRODUCTION_SETTINGS if production else DEVELOPMENT_SETTINGS)
    if allow_download is not None:
        settings["allow_download"] = "on" if allow_download else "off"
    if allow_sql is False or (allow_sql is None and production):
        settings["default_allow_sql"] = "off"
    for name, value in settings.items():
        command += ["--setting", name, value]
    if cors or (cors is None and production):
        command.append("--cors")
    return command


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``survreg serve``."""
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--production", action="store_true", help="immutable file, tight limits")
    parser.add_argument(
        "--sql", action=argparse.BooleanOptionalAction, default=None, help="arbitrary SQL"
    )
    parser.add_argument(
        "--downloads",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="download of the whole database file",
    )
    parser.add_argument(
        "--cors", action=argparse.BooleanOptionalAction, default=None, help="CORS headers"
    )


def serve_from_args(registry_db: Path, args: argparse.Namespace) -> int:
    """``survreg serve`` with the options of ``add_serve_arguments``."""
    return serve(
        registry_db,
        host=args.host,
        port=args.port,
        production=args.production,
        allow_sql=args.sql,
        allow_download=args.downloads,
        cors=args.cors,
    )


def serve(
    registry_db: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    production: bool = False,
    allow_sql: bool | None = None,
    allow_download: bool | None = None,
    cors: bool | None = None,
) -> int:
    """Serve until interrupted (Ctrl-C, SIGTERM: Datasette stops too); returns its exit status."""
    if not registry_db.exists():
        print(f"no registry at {registry_db}: run `survreg build` first", file=sys.stderr)
        return 1
    command = datasette_command(
        registry_db,
        host=host,
        port=port,
        production=production,
        allow_sql=allow_sql,
        allow_download=allow_download,
        cors=cors,
        inspect=ensure_inspect_file(registry_db) if production else None,
    )
    print(f"serving {registry_db} on http://{host}:{port}/", file=sys.stderr)
    try:
        return children.run(command, death_signal=signal.SIGTERM).returncode
    except children.Stopped:
        return 0
