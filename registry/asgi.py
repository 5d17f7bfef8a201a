"""The production app for gunicorn: Datasette over a pinned link to the live registry.

``survreg serve-production`` runs it. Publishing only swaps the file: before each request a
worker checks which file ``registry.db`` names, and when it is a new one, pins it and serves
later requests from a fresh Datasette over the new pin, while requests already running finish on
the old one. No worker restarts, so no connection is dropped and no answer mixes two builds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from datasette.app import SETTINGS, Datasette
from datasette.database import Database

from crawlers import paths
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


class SwappingApp:
    """An ASGI app that follows the live registry file from one request to the next."""

    def __init__(self, live: Path):
        self.live = live
        self.inode: tuple[int, int] | None = None
        self.app: Any = None

    def current(self) -> Any:
        stat = os.stat(self.live)
        inode = (stat.st_dev, stat.st_ino)
        if inode != self.inode:
            self.app, self.inode = datasette_app(pin(self.live), self.live.stem), inode
        return self.app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await self.current()(scope, receive, send)


def datasette_app(pinned: Path, name: str) -> Any:
    """Datasette over one pinned registry file, as ``datasette_command(production=True)``."""
    datasette = Datasette(
        metadata=yaml.safe_load(METADATA.read_text("utf-8")),
        template_dir=str(TEMPLATES),
        settings=datasette_settings(),
        cors=True,
    )
    datasette.add_database(Database(datasette, path=str(pinned), is_mutable=False), name=name)
    return datasette.app()


def production_app() -> Any:
    """The app gunicorn loads in each worker (``registry.asgi:production_app()``)."""
    return SwappingApp(paths.registry_db())


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
        # Publishing needs no signal (the workers follow the file); no control socket either.
        "--no-control-socket",
        "--graceful-timeout",
        "30",
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
