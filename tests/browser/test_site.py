"""The public site in Chromium: home, profiles, deployment page, documents, history, tables.

Every main page is checked with axe-core (no serious or critical violation), at desktop and at
phone width.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from crawlers.archive import DocumentArchive
from crawlers.store import CrawlStore
from registry.build import build
from tests.browser.conftest import (
    PHONE,
    fits_its_width,
    screenshot,
    serious_violations,
    serving,
    wait,
    window,
)
from tests.registry.helpers import notice
from tests.registry.test_feeds import ITEMS

# Personal data planted in the archived document: none of it may reach a page or the file.
PERSONAL = (
    "Erika Mustermann",
    "erika.mustermann@berlin.example",
    "30 12345678",
    "Max Placeholder",
    "max.placeholder@berlin.example",
    "30 87654321",
)
PACKAGE = {
    "uri": "https://example.org/ocds/page/1",
    "publisher": {"name": "Example portal"},
    "releases": [
        {
            "ocid": "feed",
            "id": "1",
            "tender": {
                "title": "Hikvision face recognition cameras for the station",
                "description": "Cameras for the main station. Contact: Erika Mustermann, "
                "erika.mustermann@berlin.example, Tel. +49 30 12345678",
            },
            "parties": [
                {
                    "name": "Stadt Berlin",
                    "contactPoint": {
                        "name": "Max Placeholder",
                        "email": "max.placeholder@berlin.example",
                        "telephone": "+49 30 87654321",
                    },
                }
            ],
        },
        {"ocid": "other", "id": "2", "tender": {"title": "Street lighting for Spandau"}},
    ],
}


def _registry(directory: Path) -> Path:
    """A registry whose first notice has an archived document and an earlier version."""
    store = CrawlStore(directory / "crawl.db")
    body = json.dumps(PACKAGE).encode()
    sha = DocumentArchive(directory / "archive").put(body)
    first = {**ITEMS[0], "document_url": "https://example.org/ocds/page/1", "document_sha256": sha}
    earlier = {**first, "value": {"amount": "100000", "currency": "EUR"}}
    store.upsert(earlier, now="2025-05-01T08:00:00+00:00")
    store.upsert(first, now="2025-05-03T08:00:00+00:00")
    for item in [
        *ITEMS[1:],
        notice(
            "browser/5",
            title="Hikvision cameras for the city centre",
            url="https://example.org/notice/5",
            buyer={"name": "Doncaster Council", "country": "GB", "city": "Doncaster"},
            suppliers=[{"name": "Hikvision"}],
            notice_type="award",
            published="2024-06-01",
            value={"amount": "40000", "currency": "GBP"},
        ),
    ]:
        store.upsert(item)
    store.close()
    build(directory / "crawl.db", directory / "registry.db", progress=False)
    return directory / "registry.db"


@pytest.fixture(scope="module")
def registry_db(tmp_path_factory) -> Path:
    return _registry(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def site(registry_db, tile_server) -> Iterator[str]:
    with serving(registry_db, tile_server) as url:
        yield url


def deployment_of(registry_db: Path, title: str) -> str:
    db = sqlite_utils.Database(registry_db)
    return next(db["deployments"].rows_where("title = ?", [title]))["id"]


def accessible(browser) -> None:
    problems = serious_violations(browser)
    assert not problems, "\n".join(problems)


def test_home_page_searches_counts_maps_and_charts(browser, site):
    browser.get(site + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Surveillance registry"
    headline = browser.find_element(By.CSS_SELECTOR, "ul.headline").text
    assert "4 deployments 3 countries 1 vendor named" in headline.replace("\n", " ")
    statuses = browser.find_element(By.CSS_SELECTOR, "ul.statuses").text.replace("\n", " ")
    assert statuses == "2 tendered 2 awarded"
    captions = [f.text for f in browser.find_elements(By.CSS_SELECTOR, "figure.chart figcaption")]
    assert captions == [
        "Deployments per year by technology",
        "Top vendors by number of deployments",
        "Spending per year (stated values, EUR)",
    ]
    markers = wait(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#map-home path.leaflet-interactive")
    )
    assert len(markers) == 3
    accessible(browser)
    box = browser.find_element(By.CSS_SELECTOR, "input[name=q]")
    box.send_keys("Hikvision")
    box.submit()
    wait(browser, expected_conditions.url_contains("search_all?q=Hikvision"))
    results = browser.find_elements(By.CSS_SELECTOR, "ol.search-results li a")
    assert "Hikvision cameras for the city centre" in {a.text for a in results}
    accessible(browser)


def test_charts_are_svg_in_the_page_itself(site):
    page = httpx.get(site + "/").text
    assert page.count('<svg role="img" aria-label=') == 3
    assert "<script" not in page[page.index('<div class="charts">') :].split("</div>")[0]
    # The numbers beside each chart: 2025 had one deployment of face recognition.
    assert "<td>2025</td>" in page and "€120,000" in page
    assert not re.search(r"""(src|href)=["']https?://(?!127\.0\.0\.1)[^"']*\.js""", page)


def test_deployment_page_maps_cites_and_tells_its_history(browser, site, registry_db):
    deployment = deployment_of(registry_db, ITEMS[0]["title"])
    browser.get(f"{site}/registry/deployment?id={deployment}")
    summary = browser.find_element(By.CSS_SELECTOR, "p.summary").text
    assert "awarded" in summary and "official record" in summary and "confidence" in summary
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "Verification\nofficial record" in facts and "Confidence\n0.9" in facts
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#map-deployment.map-ready"))
    timeline = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.timeline > li")]
    assert len(timeline) == 2 and "new → tendered" in timeline[0]
    assert "tendered → awarded" in timeline[1]
    citation = browser.find_element(By.CSS_SELECTOR, "blockquote.citation-text").text
    assert re.fullmatch(
        rf"Surveillance registry, deployment {deployment}, retrieved \d{{4}}-\d\d-\d\d, "
        rf"{re.escape(site)}/registry/deployment\?id={deployment}",
        citation,
    )
    accessible(browser)
    csl = httpx.get(f"{site}/registry/deployment.csl?id={deployment}")
    assert csl.headers["content-type"].startswith("application/vnd.citationstyles.csl+json")
    (item,) = csl.json()
    assert item["type"] == "dataset" and item["title"] == ITEMS[0]["title"]
    assert item["URL"] == f"{site}/registry/deployment?id={deployment}"
    assert item["accessed"]["date-parts"][0][0] >= 2025

    browser.find_element(By.CSS_SELECTOR, "a.archived-copy").click()
    wait(browser, expected_conditions.url_contains("/registry/document?id="))
    text = browser.find_element(By.CSS_SELECTOR, "pre.document-text").text
    assert "Cameras for the main station" in text and "Street lighting" not in text
    assert not [p for p in PERSONAL if p in browser.page_source]
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    sha = sqlite_utils.Database(registry_db)["documents"].get("contracts-finder/feed/1")
    assert sha["document_sha256"] in facts and "1 of the 2 releases" in facts
    accessible(browser)

    browser.back()
    browser.find_element(By.CSS_SELECTOR, "a.history-link").click()
    wait(browser, expected_conditions.url_contains("/registry/notice_history?id="))
    versions = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.versions > li")]
    assert versions[0].startswith("since ") and "current version" in versions[0]
    assert "version 1" in versions[1] and "value: €100,000 → €120,000" in versions[1]
    assert "2025-05-01T08:00:00+00:00 to 2025-05-03T08:00:00+00:00" in versions[1]
    accessible(browser)
    screenshot(browser, "notice-history")


def test_the_registry_file_holds_the_document_text_but_no_personal_data(registry_db):
    db = sqlite_utils.Database(registry_db)
    assert "Cameras for the main station" in db["documents"].get("contracts-finder/feed/1")["text"]
    data = registry_db.read_bytes()
    assert not [p for p in PERSONAL if p.encode() in data]


def test_buyer_and_supplier_profiles_are_reached_from_the_deployment(browser, site, registry_db):
    deployment = deployment_of(registry_db, ITEMS[0]["title"])
    browser.get(f"{site}/registry/deployment?id={deployment}")
    browser.find_element(By.LINK_TEXT, "Stadt Berlin").click()
    wait(browser, expected_conditions.url_contains("/registry/buyer?id=de%2Fstadtberlin"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Stadt Berlin"
    assert "1 deployment · stated value €120,000" in browser.find_element(
        By.CSS_SELECTOR, "p.totals"
    ).text.replace("\n", " ")
    items = browser.find_elements(By.CSS_SELECTOR, "ol.deployments > li")
    assert [li.find_element(By.TAG_NAME, "a").text for li in items] == [ITEMS[0]["title"]]
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert facts.endswith("Bought from\nHikvision")
    accessible(browser)

    browser.get(f"{site}/registry/deployment?id={deployment}")
    browser.find_element(By.CSS_SELECTOR, "dl.facts a[href*='/registry/supplier?id=']").click()
    wait(browser, expected_conditions.url_contains("/registry/supplier?id=hikvision"))
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "Known vendor\nHikvision" in facts and "Flags" in facts
    assert "FCC COVERED LIST since 2021-03-12" in facts and "NDAA 889" in facts
    items = browser.find_elements(By.CSS_SELECTOR, "ol.deployments > li")
    titles = {li.find_element(By.TAG_NAME, "a").text for li in items}
    assert titles == {ITEMS[0]["title"], "Hikvision cameras for the city centre"}
    accessible(browser)

    browser.find_element(By.CSS_SELECTOR, "dl.facts a[href^='/registry/vendor?id=']").click()
    wait(browser, expected_conditions.url_contains("/registry/vendor?id=hikvision"))
    assert "Security record" in browser.page_source
    accessible(browser)

    browser.get(f"{site}/registry/deployment?id={deployment}")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Berlin, State of Berlin").click()
    wait(browser, expected_conditions.url_contains("/registry/place?id="))
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#map-place.map-ready"))
    accessible(browser)


def test_unknown_ids_of_the_new_pages_are_404(site):
    for page in ("buyer", "supplier", "document", "notice_history"):
        assert httpx.get(f"{site}/registry/{page}?id=nothing-like-it").status_code == 404, page


def test_every_mention_links_to_its_profile(site, registry_db):
    table = httpx.get(f"{site}/registry/deployments?country=DE").text
    deployment = deployment_of(registry_db, ITEMS[0]["title"])
    assert f'href="/registry/deployment?id={deployment}"' in table
    assert 'href="/registry/buyer?id=de%2Fstadtberlin"' in table
    assert 'href="/registry/vendor?id=hikvision"' in table
    assert 'href="/registry/supplier?id=hikvision"' in table
    evidence = httpx.get(f"{site}/registry/evidence").text
    assert f'href="/registry/deployment?id={deployment}"' in evidence
    feed = httpx.get(f"{site}/registry/new_deployments.atom").text
    assert f"/registry/deployment?id={deployment}" in feed


def test_tables_show_rows_first_with_labels_and_facet_headings_that_fit(browser, site):
    browser.get(site + "/registry/deployments")
    descriptions = browser.find_element(By.CSS_SELECTOR, "details.column-descriptions")
    table = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns")
    assert not descriptions.find_element(By.TAG_NAME, "dl").is_displayed()
    assert table.location["y"] < 900
    first_facet = browser.find_element(By.CSS_SELECTOR, ".facet-info-name")
    assert table.location["y"] + table.size["height"] <= first_facet.location["y"]
    descriptions.find_element(By.TAG_NAME, "summary").click()
    assert descriptions.find_element(By.TAG_NAME, "dl").is_displayed()
    headings = browser.find_elements(By.CSS_SELECTOR, ".facet-info-name strong")
    names = [h.text.split("\n")[0].rsplit(" ", 1)[0] for h in headings]
    assert {"technology", "vendor", "supplier", "place", "buyer"} <= set(names)
    boxes = [h.rect for h in headings]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, (a, b)
    title = browser.find_element(By.CSS_SELECTOR, "td.col-title")
    assert title.size["width"] > 150
    accessible(browser)


@pytest.mark.parametrize(
    ("path", "picture"),
    [
        ("/", None),
        ("/registry/deployments", "deployments-phone"),
        ("/registry/deployment", None),
        ("/registry/buyer?id=de%2Fstadtberlin", None),
        ("/registry/supplier?id=hikvision", None),
        ("/registry/vendor?id=hikvision", None),
        ("/registry/place", None),
        ("/feeds", None),
    ],
)
def test_pages_work_at_phone_width(browser, site, registry_db, path, picture):
    deployment = deployment_of(registry_db, ITEMS[0]["title"])
    if path == "/registry/deployment":
        path += "?id=" + deployment
    if path == "/registry/place":
        place = sqlite_utils.Database(registry_db)["deployments"].get(deployment)["place_id"]
        path += "?id=" + place
    with window(browser, PHONE):
        browser.get(site + path)
        assert fits_its_width(browser), path
        accessible(browser)
        if picture:
            screenshot(browser, picture)


def test_feeds_page_is_accessible(browser, site):
    browser.get(site + "/feeds")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Atom feeds"
    accessible(browser)
