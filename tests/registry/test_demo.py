"""End to end: the bundled recordings, replayed on loopback, crawled, built and served."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import sqlite3
import subprocess
import time

import feedparser
import yaml
from datasette.app import Datasette

from crawlers import paths
from crawlers.store import CrawlStore
from registry.cli import main
from registry.crawl import crawl_command, crawl_env, spider_names
from registry.demo import run_demo, snapshot_sources
from registry.replay import ReplayServer
from registry.schedule import enabled_sources
from registry.serve import METADATA


def test_demo_crawls_builds_and_serves_the_recorded_sources(data_dir):
    assert run_demo(serve_registry=False) == 0
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    datasette = Datasette([str(paths.registry_db())], metadata=metadata)

    def get(path):
        return asyncio.run(datasette.client.get(path))

    rows = get("/registry/notices.json?_shape=array&_size=max").json()
    by_title = {r["title"]: r for r in rows}
    assert {
        "CCTV camera relocation",
        "Body Worn Video Cameras for DVSA",
        "Door access and CCTV control",
        "ANPR-Static Camera Support, Maintenance and Connectivity",
        "Signálno-bezpečnostná technika",
        "Empty Homes Security",
    } <= set(by_title)
    assert "Sumner House - Window Replacement" not in by_title
    assert all("127.0.0.1" not in (r["document_url"] or "") for r in rows)
    assert by_title["Empty Homes Security"]["source_id"] == "194753-2020"
    assert by_title["Signálno-bezpečnostná technika"]["buyer_country"] == "SK"
    empty_homes, tanzania = (
        by_title["Empty Homes Security"],
        by_title["Security Services Delegation to Tanzania"],
    )
    assert empty_homes["procedure_id"] == "194753-2020"
    assert empty_homes["deployment_id"] != tanzania["deployment_id"]

    hits = get("/registry/notices.json?_search=CCTV&_shape=array").json()
    assert "CCTV camera relocation" in {r["title"] for r in hits}
    facets = get("/registry/notices.json?_facet=buyer_country").json()["facet_results"]
    countries = {f["value"] for f in facets["buyer_country"]["results"]}
    assert {"GB", "SK"} <= countries
    feed = feedparser.parse(get("/registry/new_notices.atom").text)
    assert not feed.bozo
    assert "CCTV camera relocation" in {e.title for e in feed.entries}
    gb = feedparser.parse(get("/registry/new_notices.atom?country=SK").text)
    assert [e.title for e in gb.entries] == ["Signálno-bezpečnostná technika"]

    # After a clean demo every source is healthy, and the registry says the same.
    demo_data = paths.data_dir()
    assert demo_data.name == "demo"
    assert main(["--data", str(demo_data), "status"]) == 0
    sources = get("/registry/sources.json?_shape=array&_size=max").json()
    enabled = set(enabled_sources())
    assert {s["id"]: s["health"] for s in sources if s["id"] in enabled} == dict.fromkeys(
        enabled, "ok"
    )


def test_every_declared_source_has_a_recording():
    assert set(spider_names()) <= {d.name for d in snapshot_sources()}


def test_killed_crawl_leaves_live_registry_and_stored_records(data_dir):
    assert run_demo(serve_registry=False) == 0
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
