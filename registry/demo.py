"""``survreg demo``: replay the bundled snapshot, crawl it with the real spiders, build, serve."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from registry import paths
from registry.build import build
from registry.crawl import run_crawl
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


def run_demo(*, port: int = 8001, serve_registry: bool = True, snapshot: Path = SNAPSHOT) -> int:
    """Crawl every recorded source over loopback, build the registry, and serve it."""
    failed = []
    with contextlib.ExitStack() as stack:
        for source_dir in snapshot_sources(snapshot):
            server = stack.enter_context(ReplayServer(source_dir))
            print(f"crawling {source_dir.name} from its recording at {server.url}", file=sys.stderr)
            arguments = {"source_url": server.url, **recorded_arguments(source_dir)}
            result = run_crawl(source_dir.name, arguments, allow_loopback=True, timeout=600)
            if result.returncode != 0:
                failed.append(source_dir.name)
    if failed:
        print(f"crawls failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    report = build(paths.crawl_db(), paths.registry_db())
    print(f"built {paths.registry_db()}: {report.summary()}", file=sys.stderr)
    if not serve_registry:
        return 0
    return serve(paths.registry_db(), port=port)
