"""The demo registry in Chromium: what a visitor of a fresh demo sees, and the README's pictures.

The pages are read over the registry the demo builds from its real-format recordings, so they are
checked (content and axe-core) on real data, not only on the small registries of test_site.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from tests.browser.conftest import (
    PHONE,
    fits_its_width,
    screenshot,
    serious_violations,
    serving,
    wait,
    window,
)

# Eugene, Oregon's Flock contract, from the city's public-records release (the records source).
EUGENE_CONTRACT = "FLOCK%20LPR%20Software%20Services%20Contract"


@pytest.fixture(scope="module")
def demo_db(demo) -> Path:
    assert demo.returncode == 0, demo.stderr[-2000:]
    return demo.directory / "registry.db"


@pytest.fixture(scope="module")
def demo_site(demo_db, tile_server) -> Iterator[str]:
    with serving(demo_db, tile_server) as url:
        yield url


def one(db: sqlite_utils.Database, sql: str, params: list | None = None):
    return db.execute(sql, params or []).fetchone()


def clean(browser) -> None:
    problems = serious_violations(browser)
    assert not problems, "\n".join(problems)


def test_home_page_counts_what_the_demo_registry_holds(browser, demo_site, demo_db):
    db = sqlite_utils.Database(demo_db)
    (deployments,) = one(db, "SELECT count(*) FROM deployments")
    (operational,) = one(db, "SELECT count(*) FROM deployments WHERE status = 'operational'")
    browser.get(demo_site + "/")
    headline = browser.find_element(By.CSS_SELECTOR, "ul.headline").text.replace("\n", " ")
    assert f"{deployments} deployments" in headline
    statuses = browser.find_element(By.CSS_SELECTOR, "ul.statuses").text.replace("\n", " ")
    assert f"{operational} operational" in statuses and "1 suspended" in statuses
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#map-home path.leaflet-interactive"))
    clean(browser)
    screenshot(browser, "home", full_page=True)
    with window(browser, PHONE):
        browser.get(demo_site + "/")
        assert fits_its_width(browser)
        clean(browser)
        screenshot(browser, "home-phone")


def test_a_council_decided_deployment_cites_its_pdf_contract(browser, demo_site, demo_db):
    db = sqlite_utils.Database(demo_db)
    (deployment,) = one(
        db,
        "SELECT deployment_id FROM evidence WHERE source = 'records' AND url LIKE ?",
        [f"%{EUGENE_CONTRACT}%"],
    )
    browser.get(f"{demo_site}/registry/deployment?id={deployment}")
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "Eugene, Oregon, US" in facts and "Verification\nofficial record" in facts
    links = [
        a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.evidence-link")
    ]
    assert any(EUGENE_CONTRACT in link and link.endswith(".pdf") for link in links)
    citation = browser.find_element(By.CSS_SELECTOR, "blockquote.citation-text").text
    assert citation.startswith(f"Surveillance registry, deployment {deployment}, retrieved ")
    clean(browser)
    screenshot(browser, "deployment", full_page=True)
    with window(browser, PHONE):
        browser.get(f"{demo_site}/registry/deployment?id={deployment}")
        assert fits_its_width(browser)
        clean(browser)
        screenshot(browser, "deployment-phone")


def test_the_suspended_deployment_shows_its_history(browser, demo_site, demo_db):
    db = sqlite_utils.Database(demo_db)
    (deployment,) = one(db, "SELECT id FROM deployments WHERE status = 'suspended'")
    browser.get(f"{demo_site}/registry/deployment?id={deployment}")
    changes = [
        li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.timeline strong.status-change")
    ]
    assert changes and changes[-1].endswith("→ suspended")
    clean(browser)
    browser.find_element(By.CSS_SELECTOR, "dl.facts a[href*='/registry/buyer?id=']").click()
    wait(browser, expected_conditions.url_contains("/registry/buyer?id="))
    titles = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ol.deployments > li > a")]
    (title,) = one(db, "SELECT title FROM deployments WHERE id = ?", [deployment])
    assert title in titles
    clean(browser)
    screenshot(browser, "buyer")


def test_tables_vendor_and_supplier_pages_over_real_data(browser, demo_site, demo_db):
    browser.get(demo_site + "/registry/deployments?_sort_desc=first_seen")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert len(rows) > 20
    clean(browser)
    screenshot(browser, "deployments")

    browser.get(demo_site + "/registry/vendor?id=flock-safety")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Flock Safety"
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.deployments > li")) > 100
    clean(browser)
    screenshot(browser, "vendor", full_page=True)

    db = sqlite_utils.Database(demo_db)
    (supplier,) = one(db, "SELECT id FROM suppliers WHERE name LIKE 'Reliance High%'")
    browser.get(f"{demo_site}/registry/supplier?id={supplier}")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Reliance High-Tech")
    assert browser.find_elements(By.CSS_SELECTOR, "ol.deployments > li")
    clean(browser)
    screenshot(browser, "supplier", full_page=True)


def test_an_archived_notice_text_from_the_demo(browser, demo_site, demo_db):
    db = sqlite_utils.Database(demo_db)
    (document, sha) = one(db, "SELECT id, document_sha256 FROM documents ORDER BY id LIMIT 1")
    browser.get(f"{demo_site}/registry/document?id={document}")
    assert sha in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert browser.find_element(By.CSS_SELECTOR, "pre.document-text").text.strip()
    clean(browser)
    screenshot(browser, "document")
