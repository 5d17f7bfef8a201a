"""Headless Chromium over a served registry, and axe-core."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

from registry.replay import ReplayServer
from registry.serve import datasette_command
from tests.registry.production import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = (1200, 900)
PHONE = (390, 844)
# axe-core's two worst impact levels: a page with one of these fails.
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="session")
def tile_server() -> Iterator[ReplayServer]:
    """Map tiles on loopback (every tile a 404): a page's map never reaches the internet."""
    with ReplayServer(routes=[]) as server:
        yield server


@contextlib.contextmanager
def serving(registry_db: Path, tile_server: ReplayServer) -> Iterator[str]:
    """A real Datasette server, as ``survreg serve --production`` runs it; yields its URL."""
    port = free_port()
    env = {**os.environ, "SURVREG_TILE_URL": f"{tile_server.url}/tiles/{{z}}/{{x}}/{{y}}.png"}
    process = subprocess.Popen(
        datasette_command(registry_db, port=port, production=True),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
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


@pytest.fixture(scope="session")
def browser():
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        # CI must not pass without its browser tests: a missing browser fails them.
        pytest.fail(
            f"headless browser tests need {' and '.join(missing)}: "
            "apt-get install -y chromium chromium-driver"
        )
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
        "--hide-scrollbars",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@contextlib.contextmanager
def window(driver, size: tuple[int, int]) -> Iterator[None]:
    """The browser window at ``size`` for the block, then at desktop size again."""
    driver.set_window_size(*size)
    try:
        yield
    finally:
        driver.set_window_size(*DESKTOP)


def wait(driver, condition, timeout: float = 15):
    return WebDriverWait(driver, timeout).until(condition)


def serious_violations(driver) -> list[str]:
    """axe-core's serious and critical violations of the page, one line each."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results["violations"]
        if v.get("impact") in SERIOUS
    ]


def fits_its_width(driver) -> bool:
    """Nothing on the page is wider than the window (no sideways scrolling)."""
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


def screenshot(driver, name: str, full_page: bool = False) -> None:
    """A picture of the page for the README, only on request (SURVREG_SCREENSHOTS=1)."""
    if not os.environ.get("SURVREG_SCREENSHOTS"):
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = driver.get_window_size()
    if full_page:
        # The window's height is the page's plus whatever of the window is not the page.
        height = driver.execute_script(
            "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight"
        )
        driver.set_window_size(size["width"], min(height, 4000))
    driver.execute_script("window.scrollTo(0, 0)")
    try:
        driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    finally:
        driver.set_window_size(size["width"], size["height"])
