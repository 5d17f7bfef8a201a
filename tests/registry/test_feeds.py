"""Atom feeds of new deployments and new evidence, the feeds page and the OPML, parsed for real."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import feedparser
import pytest
import yaml
from datasette.app import Datasette
from lxml import etree

from registry.build import build
from registry.serve import METADATA, TEMPLATES
from tests.registry.helpers import notice, store_documents

BERLIN = {"name": "Stadt Berlin", "country": "DE", "city": "Berlin"}
ITEMS = [
    notice(
        "feed/1",
        procedure_id="ocds-feed-1",
        title="Hikvision face recognition cameras for the station",
        url="https://example.org/notice/1",
        buyer=BERLIN,
        suppliers=[{"name": "Hikvision"}],
        notice_type="award",
        published="2025-05-01",
        value={"amount": "120000", "currency": "EUR"},
    ),
    notice(
        "feed/2",
        procedure_id="ocds-feed-1",
        title="Face recognition tender",
        url="https://example.org/notice/2",
        buyer=BERLIN,
        published="2025-01-01",
    ),
    notice(
        "feed/3",
        title="CCTV upgrade",
        url="https://example.org/notice/3",
        buyer={"name": "Doncaster Council", "country": "GB", "city": "Doncaster"},
    ),
    notice(
        "feed/4",
        title="<script>alert('t')</script> CCTV \u202egnp.exe",
        description="<img src=x onerror=alert(1)> body-worn cameras",
        url="javascript:alert(1)",
        buyer={"name": "<b>Evil</b> Council", "country": "FR", "city": "Lyon"},
    ),
]


def build_registry(directory: Path, items: list[dict] = ITEMS) -> Path:
    """A registry built by the real build from a crawl store holding ``items``."""
    store_documents(directory / "crawl.db", extra=items)
    build(directory / "crawl.db", directory / "registry.db", progress=False)
    return directory / "registry.db"


def registry_datasette(registry_db: Path, **settings) -> Datasette:
    """Datasette as ``survreg serve`` configures it: metadata, templates, our plugins."""
    return Datasette(
        [str(registry_db)],
        metadata=yaml.safe_load(METADATA.read_text("utf-8")),
        template_dir=str(TEMPLATES),
        settings=settings or None,
    )


@pytest.fixture(scope="module")
def registry_db(tmp_path_factory) -> Path:
    return build_registry(tmp_path_factory.mktemp("feeds"))


@pytest.fixture(scope="module")
def datasette(registry_db):
    return registry_datasette(registry_db)


def get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def parse(datasette, path):
    response = get(datasette, path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.text)
    assert not feed.bozo, feed.bozo_exception
    return feed


@pytest.mark.parametrize(
    "path",
    [
        "/registry/new_deployments.atom",
        "/registry/new_evidence.atom",
        "/registry/new_notices.atom",
        "/registry/new_deployments.atom?country=DE&technology=face_recognition",
        "/registry/new_evidence.atom?city=geonames/2950159&vendor=hikvision",
    ],
)
def test_every_feed_is_valid_atom_newest_first(datasette, path):
    feed = parse(datasette, path)
    assert feed.entries
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    assert all(re.search(r"(Z|[+-]\d\d:\d\d)$", e.updated) for e in feed.entries)
    assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_deployment_feed_filters_and_entry(datasette):
    feed = parse(datasette, "/registry/new_deployments.atom?country=DE&technology=face_recognition")
    (entry,) = feed.entries
    assert entry.title == "Hikvision face recognition cameras for the station"
    deployment_id = entry.id.rsplit("/", 1)[1]
    assert entry.id == f"tag:surveillance-registry,2026:deployment/{deployment_id}"
    assert entry.link == f"http://localhost/registry/deployment?id={deployment_id}"
    related = {link.href for link in entry.links if link.rel == "related"}
    assert related == {"https://example.org/notice/1", "https://example.org/notice/2"}
    assert entry.content[0].type == "text/plain"
    text = entry.content[0].value
    # When, where, who, what and how much, in words.
    assert text.startswith("awarded · 2025-01-01 to 2025-05-01 · Berlin, DE · buyer: Stadt Berlin")
    assert "Face recognition" in text and "vendors: Hikvision" in text
    assert "value: €120,000" in text and "face_recognition" not in text
    assert "https://example.org/notice/1" in text and "https://example.org/notice/2" in text
    assert feed.feed.title == "New face recognition deployments in DE"


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("city=geonames/2950159", {"Hikvision face recognition cameras for the station"}),
        ("city=geonames/2651123", {"CCTV upgrade"}),
        ("vendor=hikvision", {"Hikvision face recognition cameras for the station"}),
        ("country=GB&technology=cctv", {"CCTV upgrade"}),
        ("country=GB&technology=face_recognition", set()),
    ],
)
def test_deployment_feed_each_filter(datasette, query, titles):
    feed = parse(datasette, f"/registry/new_deployments.atom?{query}")
    assert {e.title for e in feed.entries} == titles


def test_evidence_feed_entries_cite_their_document(datasette):
    feed = parse(datasette, "/registry/new_evidence.atom?country=DE")
    assert {e.title for e in feed.entries} == {
        "Hikvision face recognition cameras for the station",
        "Face recognition tender",
    }
    entry = next(e for e in feed.entries if e.title == "Face recognition tender")
    assert entry.id == "tag:surveillance-registry,2026:evidence/e:contracts-finder/feed/2"
    assert entry.link == "https://example.org/notice/2"
    related = [link.href for link in entry.links if link.rel == "related"]
    assert related and related[0].startswith("http://localhost/registry/deployment?id=d-")
    assert entry.content[0].value.startswith("notice (tender) · 2025-01-01 · deployment: ")


@pytest.mark.parametrize(
    "path",
    [
        "/registry/new_deployments.atom?country=IS",
        "/registry/new_evidence.atom?vendor=axis",
        "/registry/new_deployments.atom?technology=cell_site_simulator&city=geonames/2651123",
    ],
)
def test_a_known_value_with_nothing_yet_is_a_valid_feed_without_entries(datasette, path):
    feed = parse(datasette, path)
    assert feed.entries == []
    assert feed.feed.title and feed.feed.updated_parsed


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("vendor=Hikvision", "vendor=hikvision"),
        ("vendor=HIK+VISION", "vendor=hikvision"),
        ("technology=ALPR", "technology=alpr"),
        ("technology=ANPR", "technology=alpr"),
        ("technology=Face+recognition&country=de", "technology=face_recognition&country=DE"),
        ("country=Germany", "country=DE"),
        ("city=Berlin", "city=geonames%2F2950159"),
        # A place id published before ids were keyed on GeoNames ids.
        ("city=gb/doncaster", "city=geonames%2F2651123"),
    ],
)
def test_a_name_or_alias_redirects_to_the_canonical_feed(datasette, query, canonical):
    response = get(datasette, f"/registry/new_deployments.atom?{query}")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("/registry/new_deployments.atom?")
    assert sorted(location.split("?", 1)[1].split("&")) == sorted(canonical.split("&"))
    assert parse(datasette, location).feed.title.startswith("New ")


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("vendor=Nobody", "hikvision (Hikvision)"),
        ("technology=laser", "alpr (Automatic licence plate recognition)"),
        ("country=ZZ", "DE"),
        ("city=Nowhere", "geonames/2950159 (Berlin, "),
    ],
)
def test_an_unknown_value_is_a_400_listing_the_valid_ones(datasette, query, listed):
    for feed in ("new_deployments.atom", "new_evidence.atom", "new_deployments.json"):
        response = get(datasette, f"/registry/{feed}?{query}")
        assert response.status_code == 400, (feed, query)
        assert listed in response.text.replace("&#39;", "'"), response.text


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("", "New surveillance deployments"),
        ("technology=face_recognition&country=DE", "New face recognition deployments in DE"),
        ("vendor=hikvision", "New surveillance deployments from Hikvision"),
        (
            "technology=cctv&city=geonames/2651123",
            "New CCTV and video surveillance deployments in ",
        ),
    ],
)
def test_feed_titles_say_their_filter(datasette, query, title):
    assert parse(datasette, f"/registry/new_deployments.atom?{query}").feed.title.startswith(title)
    evidence = parse(datasette, f"/registry/new_evidence.atom?{query}").feed.title
    assert evidence.startswith("New evidence for ")


def test_entry_ids_are_stable_across_rebuilds(registry_db, tmp_path):
    before = parse(registry_datasette(registry_db), "/registry/new_evidence.atom")
    rebuilt = tmp_path / "registry.db"
    build(registry_db.parent / "crawl.db", rebuilt, progress=False)
    after = parse(registry_datasette(rebuilt), "/registry/new_evidence.atom")
    assert [e.id for e in after.entries] == [e.id for e in before.entries]
    deployments = "/registry/new_deployments.atom"
    assert [e.id for e in parse(registry_datasette(rebuilt), deployments).entries] == [
        e.id for e in parse(registry_datasette(registry_db), deployments).entries
    ]


def test_hostile_text_is_inert_in_feeds(datasette):
    for path in ("/registry/new_deployments.atom?country=FR", "/registry/new_evidence.atom"):
        text = get(datasette, path).text
        assert "<script>" not in text and "&lt;script&gt;" in text
        assert "javascript:" not in text and "\u202e" not in text
        feed = feedparser.parse(text)
        assert all(link.href.startswith("http") for entry in feed.entries for link in entry.links)


def test_feeds_page_lists_feeds_and_filters(datasette):
    response = get(datasette, "/feeds")
    assert response.status_code == 200
    page = response.text
    assert "http://localhost/registry/new_deployments.atom" in page
    assert "http://localhost/registry/new_evidence.atom" in page
    assert 'href="/feeds.opml"' in page
    assert (
        '<option value="face_recognition">' in page and '<option value="geonames/2950159">' in page
    )
    assert "<script>alert" not in page


def test_opml_bundles_one_valid_feed_per_technology(datasette, registry_db):
    response = get(datasette, "/feeds.opml")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    outlines = root.findall("body/outline/outline")
    technologies = {
        r[0] for r in sqlite3.connect(registry_db).execute("select id from technologies")
    }
    urls = {o.get("xmlUrl") for o in outlines}
    assert "New face recognition deployments" in {o.get("title") for o in outlines}
    assert urls == {
        f"http://localhost/registry/new_deployments.atom?technology={t}" for t in technologies
    }
    face = parse(datasette, "/registry/new_deployments.atom?technology=face_recognition")
    assert [e.title for e in face.entries] == ["Hikvision face recognition cameras for the station"]


def test_maintainer_alerts_feed(tmp_path):
    import asyncio

    import feedparser
    import sqlite_utils
    import yaml
    from datasette.app import Datasette

    from registry.serve import METADATA

    db = sqlite_utils.Database(tmp_path / "registry.db")
    db["maintainer_alerts"].insert_all(
        [
            {
                "id": 1,
                "source": "ted",
                "kind": "zero-records",
                "message": "0 records where the last good run had 12",
                "run_id": 7,
                "raised": "2026-11-28T01:00:00+00:00",
                "resolved": None,
            },
            {
                "id": 2,
                "source": "contracts-finder",
                "kind": "stale",
                "message": "no success in 3 days",
                "run_id": 8,
                "raised": "2026-11-28T02:00:00+00:00",
                "resolved": None,
            },
        ],
        pk="id",
    )
    datasette = Datasette(
        [str(tmp_path / "registry.db")], metadata=yaml.safe_load(METADATA.read_text("utf-8"))
    )
    feed = feedparser.parse(
        asyncio.run(datasette.client.get("/registry/alerts.atom?source=ted")).text
    )
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["ted: zero-records"]
    assert "last good run had 12" in feed.entries[0].summary
