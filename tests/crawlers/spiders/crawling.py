"""Running a real crawl against a replay server, and reading what it stored."""

from __future__ import annotations

import subprocess

from crawlers import paths
from crawlers.store import CrawlStore, load_record
from registry.crawl import run_crawl
from registry.replay import ReplayServer


def crawl(spider: str, server: ReplayServer, **arguments) -> subprocess.CompletedProcess:
    """Crawl ``spider`` from the replay (loopback allowed), failing the test if Scrapy fails."""
    result = run_crawl(
        spider,
        {"source_url": server.url, **arguments},
        allow_loopback=True,
        timeout=180,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result


def stored(source: str | None = None) -> dict[str, dict]:
    """Current crawl-store rows by source_id, with the item the build reads under ``item``."""
    store = CrawlStore(paths.crawl_db())
    rows = {
        r["source_id"]: {**r, "item": load_record(r["record"])}
        for r in store.iter_records()
        if source in (None, r["source"])
    }
    store.close()
    return rows


def last_run(source: str) -> dict:
    """The latest crawl_runs row of a source."""
    store = CrawlStore(paths.crawl_db())
    run = store.runs(source)[-1]
    store.close()
    return run
