"""``survreg demo``: replay the bundled snapshot, crawl it with the real spiders, build, serve."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
from pathlib import Path

from crawlers import paths
from registry.build import build
from registry.crawl import crawl_source, log_file
from registry.replay import ReplayServer
from registry.serve import serve

SNAPSHOT = Path(__file__).resolve().parent / "demo_snapshot"


def snapshot_sources(snapshot: Path = SNAPSHOT) -> list[Path]:
    """The recorded sources: one directory per spider, each with its routes."""
    return sorted(p for p in snapshot.iterdir() if (p / "routes.json").exists())


def recorded_arguments(source_dir: Path) -> dict:
    """Spider arguments the recording was made for (``arguments.json``), if any."""
    path = source_dir / "arguments.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


# Marks a directory the demo made, so a later demo may start it afresh; it touches no other.
MARKER = ".survreg-demo"


class DemoDataError(RuntimeError):
    """The demo's directory holds data the demo did not create."""


def demo_data_dir() -> Path:
    """``demo/`` under the data directory, emptied if an earlier demo made it."""
    directory = paths.data_dir() / "demo"
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise DemoDataError(
                f"{directory} holds data the demo did not create; move it or pass --data DIR"
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by survreg demo; rerunning the demo empties it\n")
    return directory


def run_demo(*, port: int = 8001, serve_registry: bool = True, snapshot: Path = SNAPSHOT) -> int:
    """Crawl every recorded source over loopback into ``demo/`` of the data directory, build the
    registry there, and serve it; the directory is kept afterwards."""
    try:
        directory = paths.use_data_dir(demo_data_dir())
    except DemoDataError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"demo data: {directory}", flush=True)
    failed = []
    with contextlib.ExitStack() as stack:
        for source_dir in snapshot_sources(snapshot):
            server = stack.enter_context(ReplayServer(source_dir))
            arguments = {"source_url": server.url, **recorded_arguments(source_dir)}
            outcome = crawl_source(
                source_dir.name,
                arguments,
                allow_loopback=True,
                log=log_file(source_dir.name),
                timeout=600,
            )
            print("\n".join([outcome.summary(), *outcome.details()]), file=sys.stderr)
            if not outcome.ok:
                failed.append(source_dir.name)
    if failed:
        print(f"crawls failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    report = build(paths.crawl_db(), paths.registry_db())
    print(f"built {paths.registry_db()}: {report.summary()}", file=sys.stderr)
    if not serve_registry:
        return 0
    return serve(paths.registry_db(), port=port)
