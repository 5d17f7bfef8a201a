"""End to end: the bundled recordings, replayed on loopback, crawled, built and served.

The demo runs once per session (the ``demo`` fixture); tests that change its data take a copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import sqlite3
import subprocess
import time

import feedparser
import pytest
import yaml
from datasette.app import Datasette

from crawlers import paths
from crawlers.store import CrawlStore
from registry.cli import main
from registry.crawl import crawl_command, crawl_env, spider_names
from registry.demo import snapshot_sources
from registry.replay import ReplayServer
from registry.schedule import enabled_sources
from registry.serve import METADATA
from tests.conftest import DemoRun


@pytest.fixture(scope="module")
def site(demo: DemoRun):
    """GET on Datasette, as ``survreg serve`` configures it, over the demo's registry."""
    assert demo.returncode == 0, demo.stderr
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    datasette = Datasette([str(demo.directory / "registry.db")], metadata=metadata)

    def get(path):
        return asyncio.run(datasette.client.get(path))

    return get


def test_demo_works_in_demo_of_the_data_directory_and_keeps_it(demo):
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.splitlines().count(f"demo data: {demo.directory}") == 1
    assert demo.directory.name == "demo"
    assert {"crawl.db", "registry.db"} <= {p.name for p in demo.directory.iterdir()}


def test_demo_publishes_the_recorded_notices_and_stores_the_near_misses(demo, site):
    rows = site("/registry/notices.json?_shape=array&_size=max").json()
    by_title = {r["title"]: r for r in rows}
    assert {
        "CCTV camera relocation",
        "Body Worn Video Cameras for DVSA",
        "Door access and CCTV control",
        "ANPR-Static Camera Support, Maintenance and Connectivity",
    } <= set(by_title)
    # Near misses are stored, not published: steel doors and alarms for empty homes, guards for
    # a delegation, railway signalling; so is a window replacement.
    for title in (
        "Sumner House - Window Replacement",
        "Empty Homes Security",
        "Security Services Delegation to Tanzania",
        "Signálno-bezpečnostná technika",
    ):
        assert title not in by_title
    stored = sqlite3.connect(f"file:{demo.directory / 'crawl.db'}?mode=ro", uri=True)
    try:
        assert stored.execute(
            "select count(*) from records where source = 'ted' and source_id = '194753-2020'"
        ).fetchone() == (1,)
    finally:
        stored.close()
    assert all("127.0.0.1" not in (r["document_url"] or "") for r in rows)


def test_demo_registry_searches_facets_and_feeds(site):
    hits = site("/registry/notices.json?_search=CCTV&_shape=array").json()
    assert "CCTV camera relocation" in {r["title"] for r in hits}
    facets = site("/registry/notices.json?_facet=buyer_country").json()["facet_results"]
    countries = {f["value"] for f in facets["buyer_country"]["results"]}
    assert "GB" in countries
    feed = feedparser.parse(site("/registry/new_notices.atom").text)
    assert not feed.bozo
    assert "CCTV camera relocation" in {e.title for e in feed.entries}
    gb = feedparser.parse(site("/registry/new_notices.atom?country=GB").text)
    assert "Body Worn Video Cameras for DVSA" in [e.title for e in gb.entries]


def test_demo_deployments_name_technologies_and_most_a_place_with_coordinates(site):
    deployments = site("/registry/deployments.json?_shape=array&_size=max").json()
    assert all(d["technologies"] for d in deployments)
    placed = [d for d in deployments if d["place_id"]]
    assert sum(1 for d in placed if d["latitude"] is not None) >= 0.9 * len(placed)
    assert all(d["verification"] and d["confidence"] for d in deployments)


def test_after_a_clean_demo_every_source_is_healthy(demo, site, monkeypatch):
    # ``survreg --data`` makes the directory this process's data directory: undone afterwards.
    monkeypatch.setenv("SURVREG_DATA", str(demo.directory))
    assert main(["--data", str(demo.directory), "status"]) == 0
    sources = site("/registry/sources.json?_shape=array&_size=max").json()
    enabled = set(enabled_sources())
    assert {s["id"]: s["health"] for s in sources if s["id"] in enabled} == dict.fromkeys(
        enabled, "ok"
    )


def test_every_declared_source_has_a_recording():
    assert set(spider_names()) <= {d.name for d in snapshot_sources()}


def test_killed_crawl_leaves_live_registry_and_stored_records(demo, tmp_path, monkeypatch):
    assert demo.returncode == 0, demo.stderr
    monkeypatch.setenv("SURVREG_DATA", str(demo.copy(tmp_path / "demo")))
    registry_hash = hashlib.sha256(paths.registry_db().read_bytes()).hexdigest()
    store = CrawlStore(paths.crawl_db())
    before = {r["source_id"]: r["content_hash"] for r in store.iter_records()}
    store.close()
    routes = [{"path": "/Published/Notices/OCDS/Search", "delay": 30, "body": "{}"}]
    with ReplayServer(routes=routes) as slow:
        process = subprocess.Popen(
            crawl_command(
                "contracts-finder",
                {"source_url": slow.url},
                {"SURVREG_ALLOW_LOOPBACK": "True", "ROBOTSTXT_OBEY": "False"},
            ),
            env=crawl_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not slow.hits and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert slow.hits, "the crawl reached the server before it was killed"
    assert hashlib.sha256(paths.registry_db().read_bytes()).hexdigest() == registry_hash
    assert (
        sqlite3.connect(paths.registry_db()).execute("select count(*) from notices").fetchone()[0]
        > 0
    )
    store = CrawlStore(paths.crawl_db())
    assert {r["source_id"]: r["content_hash"] for r in store.iter_records()} == before
    assert store.runs("contracts-finder")[-1]["finished"] is None
    store.close()
