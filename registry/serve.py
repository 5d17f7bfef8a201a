"""``survreg serve``: Datasette over the registry with metadata.yml and our plugins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from registry.crawl import PROJECT_ROOT

METADATA = PROJECT_ROOT / "metadata.yml"
DEVELOPMENT_SETTINGS = {"sql_time_limit_ms": "3000", "max_returned_rows": "1000"}
PRODUCTION_SETTINGS = {
    "sql_time_limit_ms": "1000",
    "max_returned_rows": "1000",
    "default_cache_ttl": "3600",
    "allow_download": "off",
    "suggest_facets": "off",
    "num_sql_threads": "3",
}


def datasette_command(
    registry_db: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    production: bool = False,
    allow_sql: bool | None = None,
) -> list[str]:
    """The Datasette command line; production serves an immutable file with tight limits."""
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(METADATA),
    ]
    command += ["--immutable", str(registry_db)] if production else [str(registry_db)]
    settings = PRODUCTION_SETTINGS if production else DEVELOPMENT_SETTINGS
    for name, value in settings.items():
        command += ["--setting", name, value]
    if allow_sql is False or (allow_sql is None and production):
        command += ["--setting", "default_allow_sql", "off"]
    return command


def serve(
    registry_db: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    production: bool = False,
    allow_sql: bool | None = None,
) -> int:
    """Serve until interrupted; returns Datasette's exit status."""
    if not registry_db.exists():
        print(f"no registry at {registry_db}: run `survreg build` first", file=sys.stderr)
        return 1
    command = datasette_command(
        registry_db, host=host, port=port, production=production, allow_sql=allow_sql
    )
    print(f"serving {registry_db} on http://{host}:{port}/", file=sys.stderr)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0
