"""Raw first: the crawl keeps every record that parses, the build decides what is published."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import pytest
import yaml

from crawlers import paths
from crawlers.parsers import ocds, parse_document
from crawlers.reference import REFERENCE_DIR
from registry.normalise.announcement import normalise_announcement
from registry.normalise.record import normalise_record
from registry.relevance import (
    plausible_notice,
    published_announcement,
    published_notice,
    without_boilerplate,
)
from registry.replay import ReplayServer
from tests.conftest import FIXTURES, SNAPSHOT
from tests.crawlers.spiders.crawling import crawl, stored
from tests.registry.helpers import notice

WINDOWS = "Sumner House - Window Replacement"


def survreg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "registry.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def published_titles() -> set[str]:
    conn = sqlite3.connect(paths.registry_db())
    try:
        return {title for (title,) in conn.execute("SELECT title FROM notices")}
    finally:
        conn.close()


def test_a_better_taxonomy_brings_back_a_stored_record_with_a_rebuild(
    data_dir, tmp_path, monkeypatch
):
    with ReplayServer(SNAPSHOT / "contracts-finder") as server:
        crawl("contracts-finder", server)
    assert any(r["item"]["title"] == WINDOWS for r in stored("contracts-finder").values())

    assert survreg("build").returncode == 0
    assert "CCTV camera relocation" in published_titles()
    assert WINDOWS not in published_titles()

    # A reviewed taxonomy change that reads window replacement as access control, tried on the
    # real crawl store through SURVREG_REFERENCE: no recrawl, no network.
    taxonomy = yaml.safe_load((REFERENCE_DIR / "taxonomy.yaml").read_text("utf-8"))
    access = next(t for t in taxonomy["technologies"] if t["id"] == "access_control")
    access["keywords"]["en"].append("window replacement")
    trial = tmp_path / "reference"
    trial.mkdir()
    (trial / "taxonomy.yaml").write_text(yaml.safe_dump(taxonomy, allow_unicode=True), "utf-8")
    monkeypatch.setenv("SURVREG_REFERENCE", str(trial))
    shutil.rmtree(paths.archive_dir())  # the rebuild reads the crawl store only

    result = survreg("build")
    assert result.returncode == 0, result.stderr
    assert WINDOWS in published_titles()


def test_notices_and_articles_are_judged_by_the_taxonomy_and_vendors():
    assert plausible_notice(notice("a", title="CCTV cameras", cpv=[]))
    assert plausible_notice(notice("b", title="Servers", cpv=["32323500-0"]))
    assert plausible_notice(
        notice("c", title="Licences", cpv=[], suppliers=[{"name": "Hikvision UK Ltd"}])
    )
    assert not plausible_notice(notice("d", title="Window replacement", cpv=["45421132"]))
    assert published_announcement(
        {"technologies": ["cctv"], "places": [{"id": "geonames/2651123"}], "vendors": []}
    )
    assert not published_announcement({"technologies": ["cctv"], "places": [], "vendors": []})
    assert not published_announcement(
        {"technologies": [], "places": [{"id": "geonames/2651123"}], "vendors": ["axis"]}
    )


def _normalised(path: str, title: str) -> dict:
    document = (FIXTURES / path).read_bytes()
    return normalise_record(next(i for i in parse_document(document) if i["title"] == title))


def test_near_misses_are_not_published_notices():
    # Steel doors, window screens and alarms for empty council homes (TED 198944-2020).
    homes = _normalised("ted/ted-legacy/20-198944-001-EXP.xml", "Empty Homes Security")
    concierge = _normalised(
        "labels/docs/ocds/uk-contractsfinder_search-2022-10-20_subset.json",
        "VIVID - Contract Provision For Building Security and Concierge Services at Totland "
        "Close Farnborough",
    )
    assert plausible_notice(homes) and not published_notice(homes)
    assert not published_notice(concierge)
    guarded = normalise_record(
        notice(
            "g",
            title="Security guarding and remote monitoring of CCTV cameras",
            cpv=["79710000"],
        )
    )
    assert published_notice(guarded) and "cctv" in guarded["technologies"]


def test_vendor_pages_without_a_place_are_not_deployments():
    assert not published_announcement({"technologies": ["cctv"], "places": [], "vendors": ["axis"]})


def test_cookie_banners_are_never_snippets():
    text = (
        "This site uses cookies. By continuing to browse the site you are agreeing to our use "
        "of cookies.\nKaramay built a very safe city with 7,000 cameras."
    )
    assert without_boilerplate(text) == "Karamay built a very safe city with 7,000 cameras."
    record = normalise_announcement({"text": text, "url": "https://e.huawei.com/x"})
    assert record["snippet"].startswith("Karamay built")


@pytest.mark.parametrize(
    "name",
    [
        # Romanian false friends: "supraveghere" (supervision of works), "camera" (a chamber).
        "md-mtender_release_ocds-ngfbwp-18240134_supraveghere-construction-supervision.json",
        "md-mtender_release_ocds-ngfbwp-19720585_camera-medical-consumables.json",
        # A near miss: filming and streaming tender events "mediante equipos de cctv".
        "mx-gacm-airport_release_256_cctv-event-streaming.json",
    ],
)
def test_false_friends_and_near_misses_are_not_surveillance_notices(name):
    (item,) = ocds.parse((FIXTURES / "ocds" / name).read_bytes())
    assert not plausible_notice(item)


def test_spanish_video_vigilancia_is_a_surveillance_notice():
    name = "mx-gacm-airport_release_22_video-vigilancia-perimeter-wall.json"
    (item,) = ocds.parse((FIXTURES / "ocds" / name).read_bytes())
    assert plausible_notice(item)
