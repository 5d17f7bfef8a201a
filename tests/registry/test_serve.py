"""The served registry through Datasette's own test client, with metadata.yml and our plugin."""

from __future__ import annotations

import asyncio

import feedparser
import pytest
import yaml
from datasette.app import Datasette

from registry.build import build
from registry.serve import METADATA
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents

HOSTILE = notice(
    "hostile/1",
    title="<script>alert('t')</script> CCTV \u202egnp.exe",
    description="<img src=x onerror=alert(1)> body-worn cameras",
    url="javascript:alert(1)",
    buyer={"name": "<b>Evil</b> Council", "country": "DE", "city": None},
)


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    store_documents(
        tmp / "crawl.db", *sorted((FIXTURES / "ocds").glob("uk-*.json")), extra=[HOSTILE]
    )
    build(tmp / "crawl.db", tmp / "registry.db", progress=False)
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    return Datasette([str(tmp / "registry.db")], metadata=metadata)


def get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def test_notices_page_lists_the_recorded_releases(datasette):
    response = get(datasette, "/registry/notices")
    assert response.status_code == 200
    assert "CCTV camera relocation" in response.text
    assert "Procurement notices" in response.text


def test_full_text_search(datasette):
    rows = get(datasette, "/registry/notices.json?_search=CCTV&_shape=array").json()
    titles = {r["title"] for r in rows}
    assert {"CCTV camera relocation", "Door access and CCTV control"} <= titles
    assert "Body Worn Video Cameras for DVSA" not in titles


def test_country_facet(datasette):
    data = get(datasette, "/registry/notices.json?_facet=buyer_country").json()
    counts = {r["value"]: r["count"] for r in data["facet_results"]["buyer_country"]["results"]}
    assert counts["GB"] == 7 and counts["DE"] == 1


def test_feed_is_atom_with_the_expected_entries(datasette):
    response = get(datasette, "/registry/new_notices.atom?country=GB")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.text)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "New surveillance procurement notices"
    titles = {e.title for e in feed.entries}
    assert len(feed.entries) == 7 and "CCTV camera relocation" in titles
    entry = next(e for e in feed.entries if e.title == "CCTV camera relocation")
    assert entry.id.startswith("tag:surveillance-registry,2026:notice/contracts-finder/")
    assert entry.link == (
        "https://www.contractsfinder.service.gov.uk/Notice/65ab1224-7fe3-4c3a-961f-a0359140c1ff"
    )
    assert entry.updated_parsed is not None


def test_feed_with_no_match_is_a_valid_empty_feed(datasette):
    response = get(datasette, "/registry/new_notices.atom?country=ZZ")
    assert response.status_code == 200
    feed = feedparser.parse(response.text)
    assert not feed.bozo
    assert feed.entries == [] and feed.feed.updated


def test_hostile_text_is_inert_in_feed_and_page(datasette):
    feed_text = get(datasette, "/registry/new_notices.atom?country=DE").text
    assert "<script>" not in feed_text and "&lt;script&gt;" in feed_text
    assert "javascript:" not in feed_text
    (entry,) = feedparser.parse(feed_text).entries
    assert "links" not in entry or all(
        not link.href.startswith("javascript") for link in entry.links
    )
    page = get(datasette, "/registry/notices?buyer_country=DE").text
    assert "<script>alert" not in page and "<img src=x" not in page
