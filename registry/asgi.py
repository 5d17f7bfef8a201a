"""The production app for gunicorn: Datasette over a pinned link to the live registry.

``survreg serve-production`` runs it; every worker serves the registry file it started with, so
publishing (swap + SIGHUP) never mixes old and new rows in one worker.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from datasette.app import SETTINGS, Datasette
from datasette.database import Database

from registry import paths
from registry.crawl import PROJECT_ROOT
from registry.publish import pin
from registry.serve import METADATA, PRODUCTION_SETTINGS, TEMPLATES

WORKER_CLASS = "uvicorn_worker.UvicornWorker"


def datasette_settings() -> dict[str, Any]:
    """serve.py's production settings, typed as Datasette's constructor wants them."""
    types = {s.name: type(s.default) for s in SETTINGS}
    settings = {**PRODUCTION_SETTINGS, "default_allow_sql": "off"}
    return {
        name: value in ("on", "true", "1") if types[name] is bool else types[name](value)
        for name, value in settings.items()
    }


def create_app(registry_db: Path) -> Any:
    """The ASGI app of one worker, serving its own pin of ``registry_db`` as immutable."""
    # Pins of exited workers are swept by the next worker start or publish.
    pinned = pin(registry_db)
    # As ``datasette_command(production=True)``: metadata, templates, settings, CORS.
    datasette = Datasette(
        metadata=yaml.safe_load(METADATA.read_text("utf-8")),
        template_dir=str(TEMPLATES),
        settings=datasette_settings(),
        cors=True,
    )
    datasette.add_database(
        Database(datasette, path=str(pinned), is_mutable=False), name=registry_db.stem
    )
    return datasette.app()


def production_app() -> Any:
    """The app gunicorn loads in each worker (``registry.asgi:production_app()``)."""
    return create_app(paths.registry_db())


def gunicorn_command(
    *, host: str = "127.0.0.1", port: int = 8001, workers: int = 2, pid_file: Path
) -> list[str]:
    """The gunicorn command line serving ``registry.asgi:production_app()`` with uvicorn workers."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "registry.asgi:production_app()",
        "--worker-class",
        WORKER_CLASS,
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--pid",
        str(pid_file),
        # Reloads go through SIGHUP to the pid file; no remote-control socket is needed.
        "--no-control-socket",
        "--graceful-timeout",
        "30",
        "--chdir",
        str(PROJECT_ROOT),
    ]


def serve_production(
    *, host: str = "127.0.0.1", port: int = 8001, workers: int = 2, pid_file: Path
) -> int:
    """Run gunicorn until interrupted; returns its exit status."""
    if not paths.registry_db().exists():
        print(f"no registry at {paths.registry_db()}: run `survreg build` first", file=sys.stderr)
        return 1
    command = gunicorn_command(host=host, port=port, workers=workers, pid_file=pid_file)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0
