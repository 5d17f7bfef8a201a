"""Real Scrapy crawls (in subprocesses) of the dataset sources, replayed from the demo snapshot."""

from __future__ import annotations

import json

from registry.crawl import run_crawl
from registry.replay import ReplayServer
from tests.conftest import FIXTURES, SNAPSHOT
from tests.crawlers.spiders.crawling import crawl, last_run, stored

PRIVATE_EYES = (
    "https://raw.githubusercontent.com/mcclatchy-southeast/private_eyes/"
    "00f29cadee8db87cb3b387caab15ab15aae893ad/data/"
)


def test_atlas_crawl(data_dir):
    with ReplayServer(SNAPSHOT / "atlas-of-surveillance") as server:
        crawl("atlas-of-surveillance", server)
        assert "GET /download.csv" in server.hits
    records = stored("atlas-of-surveillance")
    assert len(records) == 28
    row = records["AOS000012"]
    assert row["kind"] == "dataset_row"
    assert row["document_url"] == "https://atlasofsurveillance.org/download.csv"
    assert json.loads(row["record"])["vendors_raw"] == ["Axon"]
    run = last_run("atlas-of-surveillance")
    assert (run["finish_reason"], run["records_new"], run["errors"]) == ("finished", 28, 0)


def test_flock_crawl_fetches_all_four_files(data_dir):
    with ReplayServer(SNAPSHOT / "flock-transparency") as server:
        crawl("flock-transparency", server)
    records = stored("flock-transparency")
    # The crawl store keeps every row, Flock's own accounts too: the build leaves those out.
    # Policies: 36 records of 34 portals (one scraped three times).
    assert len(records) == 40 + 121 + 34 + 114
    assert records["usage/119"]["document_url"] == f"{PRIVATE_EYES}latest_usage04262023.csv"
    assert (
        records["nc-survey/1006"]["document_url"] == f"{PRIVATE_EYES}nc_agency_survey20240430.csv"
    )
    assert records["policy/96"]["document_url"] == f"{PRIVATE_EYES}agency_policies.csv"
    assert records["agency/1"]["document_url"] == f"{PRIVATE_EYES}agency20240426.csv"
    assert json.loads(records["policy/3423"]["record"])["date_raw"] == "2023-12-06T19:53:33Z"
    run = last_run("flock-transparency")
    assert (run["finish_reason"], run["records_new"], run["errors"]) == ("finished", 309, 0)
    assert "127.0.0.1" not in json.dumps(list(records.values()))


def test_osm_crawl_posts_an_overpass_query_for_the_area(data_dir):
    with ReplayServer(SNAPSHOT / "osm-surveillance") as server:
        crawl("osm-surveillance", server, area="CH", sample=10)
        assert "POST /api/interpreter" in server.hits
    records = stored("osm-surveillance")
    assert len(records) == 10
    first = records["node/29773946"]
    assert first["document_url"] == "https://overpass-api.de/api/interpreter"
    assert json.loads(first["record"])["place"]["country"] == "CH"


def test_osm_area_argument_is_checked(data_dir):
    with ReplayServer(SNAPSHOT / "osm-surveillance") as server:
        result = run_crawl(
            "osm-surveillance",
            {"source_url": server.url, "area": '"];out;'},
            allow_loopback=True,
            timeout=180,
            capture_output=True,
            text=True,
        )
        assert "POST /api/interpreter" not in server.hits
    assert "area must be an ISO 3166 code" in result.stderr


def test_unreadable_rows_are_logged_counted_and_the_rest_stored(data_dir):
    body = (FIXTURES / "datasets" / "atlas_messy_semicolon-bom.csv").read_bytes()
    with ReplayServer(routes=[{"path": "/download.csv", "body": body.decode("utf-8")}]) as server:
        result = crawl("atlas-of-surveillance", server)
    assert (
        "unreadable row: source=atlas-of-surveillance https://atlasofsurveillance.org/"
        "download.csv line 4: 5 fields where the header has 26"
    ) in result.stderr
    assert set(stored("atlas-of-surveillance")) == {"AOS000012", "AOS000024", "AOS000029"}
    run = last_run("atlas-of-surveillance")
    assert (run["finish_reason"], run["errors"], run["records_new"]) == ("finished", 1, 3)
    assert "line 4" in run["error_samples"]


def test_kev_crawl_stores_every_catalog_entry(data_dir):
    with ReplayServer(SNAPSHOT / "cisa-kev") as server:
        crawl("cisa-kev", server)
        assert "GET /sites/default/files/feeds/known_exploited_vulnerabilities.json" in server.hits
    records = stored("cisa-kev")
    assert len(records) == 19
    hikvision = records["CVE-2021-36260"]
    assert hikvision["kind"] == "vulnerability"
    assert hikvision["document_url"] == (
        "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
    )
    assert hikvision["item"]["vendor_project"] == "Hikvision"
    run = last_run("cisa-kev")
    assert (run["finish_reason"], run["records_new"], run["errors"]) == ("finished", 19, 0)
