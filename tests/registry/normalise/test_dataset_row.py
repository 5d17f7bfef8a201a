"""Dataset rows to public records: places, taxonomy ids, vendor ids, dates, counts, groups."""

from __future__ import annotations

import pytest

from crawlers.parsers import datasets
from registry.normalise.dataset_row import coordinate, normalise_dataset_row, retention_days
from tests.conftest import FIXTURES

DATA = FIXTURES / "datasets"


def records(name: str, **kwargs) -> dict[str, dict]:
    parsed = datasets.parse((DATA / name).read_bytes(), url=name, **kwargs)
    return {r["source_id"]: r for r in map(normalise_dataset_row, parsed)}


def test_atlas_records():
    rows = records("atlas-of-surveillance_sample_first-rows.csv")
    woodstock = rows["AOS000001"]
    assert woodstock["place"]["id"] == "us/woodstock-va" and woodstock["country"] == "US"
    assert woodstock["technologies"] == ["body_worn"]
    assert woodstock["vendors"] == [] and woodstock["vendors_raw"] == ["VML Insurance Programs"]
    assert woodstock["date"] == "2012-12-27"
    assert woodstock["licence"].startswith("CC BY 4.0")
    assert rows["AOS000002"]["technologies"] == ["gunshot_detection"]
    assert rows["AOS000002"]["vendors"] == ["soundthinking"]  # "ShotSpotter"
    assert rows["AOS000012"]["vendors"] == ["axon"]  # bare "Axon", body-worn context
    assert rows["AOS000017"]["technologies"] == ["alpr"]
    assert rows["AOS000017"]["date"] == "2019"  # the Atlas wrote only a year
    assert rows["AOS000024"]["date"] == "2019-08-12"  # "8/12/2019", month first


def test_flock_records():
    rows = records("latest_usage04262023_first40.csv")
    avon = rows["usage/119"]
    assert (avon["place"]["id"], avon["technologies"], avon["vendors"]) == (
        "us/avon-in",
        ["alpr"],
        ["flock-safety"],
    )
    assert (avon["camera_count"], avon["retention_days"], avon["shared_with"]) == (6, 30, None)
    assert avon["date"] == "2024-04-26"
    assert rows["usage/1117"]["shared_with"] == 1
    assert rows["usage/2421"]["shared_with"] == 988  # the portal gave a count, not names
    assert rows["usage/4961"]["retention_days"] is None  # "-Infinity days"
    survey = records("nc_agency_survey20240430.csv")
    assert survey["nc-survey/1006"]["vendors"] == ["flock-safety"]  # bare "Flock", ALPR context
    assert survey["nc-survey/2826"]["vendors"] == ["motorola-solutions"]
    assert survey["nc-survey/2841"]["vendors"] == []  # Rekor is not in vendors.yaml
    assert survey["nc-survey/2841"]["camera_count"] == 18


def test_osm_records_group_by_place_type_and_operator():
    rows = records("osm_overpass_switzerland_selected-elements.json", area="CH")
    a, b = rows["node/7475956905"], rows["node/7475956906"]
    assert a["group"] == b["group"] and a["group"].endswith("/camera/die-post")
    assert a["camera_count"] == 4 and a["technologies"] == ["cctv"]
    bern = rows["node/2509353836"]
    assert bern["place"]["id"] == "ch/bern"  # addr:city
    assert bern["group"] == "osm-surveillance/ch/bern/unspecified/ossobukko-ag"
    le_grand = rows["node/3783593463"]
    assert le_grand["place"]["id"] == "ch/le-grand-saconnex"
    assert rows["node/2712961963"]["technologies"] == ["alpr"]
    assert rows["node/5870807055"]["technologies_unmapped"] == ["guard"]
    assert rows["node/10719033106"]["vendors"] == ["hikvision"]
    assert rows["node/29773946"]["place"]["country"] == "CH"  # nearest town, no address
    assert all(r["licence"].startswith("ODbL") for r in rows.values())


def test_locale_damaged_coordinates_are_read():
    rows = records("osm_messy_locale-coordinates.json")
    assert rows["node/565072468"]["latitude"] == pytest.approx(46.9486386)
    assert rows["node/7475956905"]["longitude"] == pytest.approx(8.9183438)


@pytest.mark.parametrize(
    ("raw", "limit", "expected"),
    [
        ("46,2044", 90, 46.2044),
        ("7.5", 180, 7.5),
        (95.0, 90, None),
        ("1,2,3", 90, None),
        ("nan", 90, None),
        (True, 90, None),
    ],
)
def test_coordinate(raw, limit, expected):
    assert coordinate(raw, limit) == expected


def test_retention_days():
    assert [retention_days(v) for v in ("30 days", "365 days", "-Infinity days", None)] == [
        30,
        365,
        None,
        None,
    ]


def test_text_is_redacted():
    item = {
        "kind": "dataset_row",
        "source": "atlas-of-surveillance",
        "source_id": "X",
        "title": "Agency",
        "description": "Call 555-123-4567 or j.doe@example.gov",
        "place": {},
        "technologies_raw": [],
        "vendors_raw": [],
    }
    record = normalise_dataset_row(item)
    assert "555-123-4567" not in record["description"]
    assert "j.doe@example.gov" not in record["description"]
