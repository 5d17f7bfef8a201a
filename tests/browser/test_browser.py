"""The served registry in a real headless Chromium (Debian's chromium and chromium-driver)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from registry.replay import ReplayServer
from tests.browser.conftest import serving, wait
from tests.registry.helpers import notice
from tests.registry.test_feeds import ITEMS, build_registry

EVIDENCE_PAGE = "<html><head><title>Recorded notice</title></head><body>Award notice</body></html>"


@pytest.fixture(scope="module")
def evidence_server() -> Iterator[ReplayServer]:
    """The evidence document, served on loopback: the browser follows a real link offline."""
    routes = [
        {"path": "/notice/1", "body": EVIDENCE_PAGE, "headers": {"Content-Type": "text/html"}}
    ]
    with ReplayServer(routes=routes) as server:
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory, evidence_server, tile_server) -> Iterator[str]:
    """A real Datasette server, as ``survreg serve --production`` runs it, over a built registry."""
    items = [dict(item) for item in ITEMS]
    items[0]["url"] = f"{evidence_server.url}/notice/1"
    items.append(
        notice(
            "browser/5",
            title="Hikvision cameras for the city centre",
            url="https://example.org/notice/5",
            buyer={"name": "Doncaster Council", "country": "GB", "city": "Doncaster"},
            suppliers=[{"name": "Hikvision"}],
        )
    )
    registry_db = build_registry(tmp_path_factory.mktemp("browser"), items)
    with serving(registry_db, tile_server) as url:
        yield url


def test_home_page(browser, site):
    browser.get(site + "/")
    assert "Surveillance registry" in browser.find_element(By.TAG_NAME, "h1").text
    links = {a.text for a in browser.find_elements(By.CSS_SELECTOR, "a")}
    assert {"Deployments", "Atom feeds"} <= links


def test_search_then_facet(browser, site):
    browser.get(site + "/registry/deployments")
    box = browser.find_element(By.CSS_SELECTOR, "input[name=_search]")
    box.send_keys("Hikvision")
    box.submit()
    wait(browser, expected_conditions.url_contains("_search=Hikvision"))
    titles = {td.text for td in browser.find_elements(By.CSS_SELECTOR, "td.col-title")}
    assert titles == {
        "Hikvision face recognition cameras for the station",
        "Hikvision cameras for the city centre",
    }
    facets = browser.find_element(By.CSS_SELECTOR, ".facet-results")
    facet = facets.find_element(By.PARTIAL_LINK_TEXT, "Face recognition")
    facet.click()
    wait(browser, expected_conditions.url_contains("_through="))
    titles = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "td.col-title")]
    assert titles == ["Hikvision face recognition cameras for the station"]


def test_open_a_deployment_and_follow_its_evidence(browser, site, evidence_server):
    browser.get(site + "/registry/deployments?city=Berlin")
    browser.find_element(By.CSS_SELECTOR, "td.col-id a").click()
    wait(browser, expected_conditions.url_contains("/registry/deployments/d-"))
    deployment_id = browser.current_url.rsplit("/", 1)[1]
    browser.get(f"{site}/registry/deployment?id={deployment_id}")
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == "Hikvision face recognition cameras for the station"
    timeline = browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")
    assert len(timeline) == 2
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "2025-01-01 to 2025-05-01" in facts and "€120,000" in facts
    assert "Face recognition" in facts and "Hikvision" in facts and "face_recognition" not in facts
    browser.find_element(By.CSS_SELECTOR, f"a.evidence-link[href^='{evidence_server.url}']").click()
    wait(browser, expected_conditions.title_is("Recorded notice"))
    assert browser.current_url == f"{evidence_server.url}/notice/1"
    assert "Award notice" in browser.find_element(By.TAG_NAME, "body").text


def test_map_renders_markers(browser, site):
    browser.get(site + "/registry/deployments")
    markers = wait(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, ".leaflet-marker-icon, .marker-cluster"),
        timeout=20,
    )
    assert markers
    container = browser.find_element(By.CSS_SELECTOR, ".leaflet-container")
    assert container.is_displayed()
    browser.execute_script("arguments[0].scrollIntoView()", container)


def test_every_page_of_the_deployments_table_is_new_rows(browser, site):
    browser.get(site + "/registry/deployments?_size=2")
    seen: list[str] = []
    while True:
        seen += [a.text for a in browser.find_elements(By.CSS_SELECTOR, "td.col-id a")]
        following = browser.find_elements(By.PARTIAL_LINK_TEXT, "Next page")
        if not following:
            break
        following[0].click()
    count = httpx.get(f"{site}/registry/deployments.json?_size=1").json()[
        "filtered_table_rows_count"
    ]
    assert len(seen) == len(set(seen)) == count


def test_feeds_page(browser, site):
    browser.get(site + "/feeds")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Atom feeds"
    options = browser.find_elements(By.CSS_SELECTOR, "#feed-technology option")
    assert "face_recognition" in {o.get_attribute("value") for o in options}
