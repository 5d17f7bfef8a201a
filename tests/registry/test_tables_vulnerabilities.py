"""Vendors' security records: the KEV catalog built into ``vendor_vulnerabilities``, shown on
vendor pages, and a feed entry when a deployed vendor gets a new one."""

from __future__ import annotations

import asyncio
import sqlite3

import feedparser
import pytest

from crawlers.store import CrawlStore
from registry.build import build
from registry.normalise.vulnerability import normalise_vulnerability
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents
from tests.registry.test_feeds import registry_datasette

CATALOG = FIXTURES / "security" / "cisa-kev_selected.json"
FEED = "/registry/new_vendor_vulnerabilities.atom"
DEPLOYED = [
    notice(
        "kev/1",
        title="Hikvision CCTV cameras for the car park",
        buyer={"name": "Doncaster Council", "country": "GB", "city": "Doncaster"},
        suppliers=[{"name": "Hikvision UK Ltd"}],
        notice_type="award",
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    directory = tmp_path_factory.mktemp("kev")
    store_documents(directory / "crawl.db", CATALOG, extra=DEPLOYED)
    report = build(directory / "crawl.db", directory / "registry.db", progress=False)
    return directory, report


def rows(directory, sql: str) -> list[tuple]:
    conn = sqlite3.connect(directory / "registry.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_entries_of_registry_vendors_are_published_the_rest_stay_in_the_store(built):
    directory, report = built
    published = rows(directory, "SELECT vendor_id, count(*) FROM vendor_vulnerabilities GROUP BY 1")
    assert dict(published) == {
        "amcrest": 1,
        "dahua": 2,
        "geovision": 2,
        "hikvision": 1,
        "nuuo": 2,
        "ptzoptics": 2,
        "reolink": 2,
        "tvt": 1,
        "zkteco": 1,
    }
    # WatchGuard's firewalls, Samsung's phones, Veritas and Microsoft are no registry vendor's.
    assert report.vulnerabilities == 14 and report.failed == 0
    (row,) = rows(
        directory,
        "SELECT id, product, date_added, due_date, url, licence FROM vendor_vulnerabilities "
        "WHERE vendor_id = 'hikvision'",
    )
    assert row == (
        "CVE-2021-36260",
        "Security cameras web server",
        "2022-01-10",
        "2022-01-24",
        "https://nvd.nist.gov/vuln/detail/CVE-2021-36260",
        "CC0 1.0 (Cybersecurity and Infrastructure Security Agency)",
    )
    store = CrawlStore(directory / "crawl.db")
    assert sum(1 for _ in store.iter_records(kind="vulnerability")) == 19
    store.close()


def test_firewall_entries_of_watchguard_are_not_watchguard_video():
    record = normalise_vulnerability(
        {"source_id": "CVE-2022-26318", "vendor_project": "WatchGuard", "product": "Firebox"}
    )
    assert record["vendor"] is None


def get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def test_vendor_page_shows_the_security_record_beside_deployments(built):
    datasette = registry_datasette(built[0] / "registry.db")
    page = get(datasette, "/registry/vendor?id=hikvision").text
    record = page[page.index("Security record") :]
    assert "CVE-2021-36260" in record and "Security cameras web server" in record
    assert 'href="https://nvd.nist.gov/vuln/detail/CVE-2021-36260"' in record
    assert "Hikvision CCTV cameras for the car park" in page[: page.index("Security record")]
    nuuo = get(datasette, "/registry/vendor.json?id=nuuo&_shape=array").json()
    assert {r["cve_id"] for r in nuuo if r["cve_id"]} == {"CVE-2022-23227", "CVE-2018-14933"}
    axis = get(datasette, "/registry/vendor?id=axis").text
    assert "None listed." in axis and "No deployment yet." in axis


def test_feed_has_new_vulnerabilities_of_deployed_vendors_only(built):
    datasette = registry_datasette(built[0] / "registry.db")
    response = get(datasette, FEED)
    assert response.status_code == 200
    feed = feedparser.parse(response.text)
    assert not feed.bozo
    # Hikvision has a deployment (Doncaster); NUUO, Dahua and the rest have none.
    assert [e.id for e in feed.entries] == [
        "tag:surveillance-registry,2026:vulnerability/CVE-2021-36260"
    ]
    assert feed.entries[0].link == "https://nvd.nist.gov/vuln/detail/CVE-2021-36260"
    assert "Hikvision" in feed.entries[0].title
    for query in ("?country=GB", "?vendor=hikvision"):
        feed = feedparser.parse(
            get(datasette, f"/registry/new_vendor_vulnerabilities.atom{query}").text
        )
        assert len(feed.entries) == 1, query
    for query in ("?country=FR", "?vendor=nuuo"):
        feed = feedparser.parse(
            get(datasette, f"/registry/new_vendor_vulnerabilities.atom{query}").text
        )
        assert feed.entries == [], query
    assert "new_vendor_vulnerabilities.atom" in get(datasette, "/feeds").text
