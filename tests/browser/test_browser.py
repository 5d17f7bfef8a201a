"""The served registry in a real headless Chromium (Debian's chromium and chromium-driver)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.replay import ReplayServer
from registry.serve import datasette_command
from tests.registry.helpers import notice
from tests.registry.test_feeds import ITEMS, build_registry

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(
        "headless browser tests need Debian's chromium and chromium-driver "
        "(apt-get install -y chromium chromium-driver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

EVIDENCE_PAGE = "<html><head><title>Recorded notice</title></head><body>Award notice</body></html>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def evidence_server() -> Iterator[ReplayServer]:
    """The evidence document, served on loopback: the browser follows a real link offline."""
    routes = [
        {"path": "/notice/1", "body": EVIDENCE_PAGE, "headers": {"Content-Type": "text/html"}}
    ]
    with ReplayServer(routes=routes) as server:
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory, evidence_server) -> Iterator[str]:
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
    port = free_port()
    process = subprocess.Popen(
        datasette_command(registry_db, port=port, production=True),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/-/versions.json", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="survreg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver, condition, timeout: float = 15):
    return WebDriverWait(driver, timeout).until(condition)


def screenshot(driver, name: str) -> None:
    # Only on request, so test runs leave the repository alone.
    if os.environ.get("SURVREG_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_home_page(browser, site):
    browser.get(site + "/")
    assert "Surveillance registry" in browser.find_element(By.TAG_NAME, "h1").text
    links = {a.text for a in browser.find_elements(By.CSS_SELECTOR, "a")}
    assert {"Deployments", "Atom feeds"} <= links
    screenshot(browser, "home")


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
    facet = browser.find_element(By.PARTIAL_LINK_TEXT, "Face recognition")
    facet.click()
    wait(browser, expected_conditions.url_contains("_through="))
    titles = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "td.col-title")]
    assert titles == ["Hikvision face recognition cameras for the station"]
    screenshot(browser, "deployments-faceted")


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
    screenshot(browser, "deployment")
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
    screenshot(browser, "map")


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
    screenshot(browser, "feeds")
