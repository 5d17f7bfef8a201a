"""Dataset rows to public records: places, taxonomy ids, vendor ids, dates, counts, groups."""

from __future__ import annotations

import pytest

from crawlers.parsers import datasets
from registry.normalise.dataset_row import (
    PRIVATE_OPERATOR,
    coordinate,
    internal_account,
    normalise_dataset_row,
    public_operator,
    retention_days,
)
from tests.conftest import FIXTURES

DATA = FIXTURES / "datasets"


def records(name: str, **kwargs) -> dict[str, dict]:
    parsed = datasets.parse((DATA / name).read_bytes(), url=name, **kwargs)
    return {r["source_id"]: r for r in map(normalise_dataset_row, parsed)}


def test_atlas_records():
    rows = records("atlas-of-surveillance_sample_first-rows.csv")
    woodstock = rows["AOS000001"]
    assert woodstock["place"]["id"] == "geonames/4794641" and woodstock["country"] == "US"
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
        "geonames/4254021",
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
    assert survey["nc-survey/2841"]["vendors"] == ["rekor"]  # Rekor Systems, in vendors.yaml
    assert survey["nc-survey/2841"]["camera_count"] == 18


def test_flock_internal_and_retired_accounts_are_flagged():
    usage = records("latest_usage04262023_first40.csv")
    assert [k for k, r in usage.items() if r["internal"]] == ["usage/4961"]  # "DNU"
    assert usage["usage/4961"]["internal_reason"].startswith("'DNU' (do not use)")
    assert usage["usage/119"]["internal"] is False and usage["usage/119"]["internal_reason"] is None
    policies = records("agency_policies_selected.csv")
    assert sorted(k for k, r in policies.items() if r["internal"]) == sorted(
        f"policy/{n}" for n in (881, 885, 891, 1924, 875, 879, 2842, 4961)
    )
    assert policies["policy/881"]["internal_reason"].startswith("Flock Safety's own accounts")
    assert policies["policy/891"]["internal_reason"].startswith("product training")
    agencies = records("agency20240426_selected.csv")
    flagged = {r["agency"] for r in agencies.values() if r["internal"]}
    assert len(flagged) == 48  # every row the fixture took for matching a pattern
    assert {"Flock PD", "Craig Lynch Demo Cam", "Z Do not use", "DNU"} <= flagged
    # Real agencies that only look like it: a town named Flock, Demopolis, "test" inside a word.
    for name in ("Little Flock AR PD", "Demopolis AL PD", "Whitestown IN PD", "Saratoga CA PD"):
        assert internal_account("flock-transparency", name) is None, name
    assert internal_account("osm-surveillance", "Flock Safety - Sales") is None


def test_flock_policy_and_agency_list_records():
    policies = records("agency_policies_selected.csv")
    atherton = policies["policy/96"]
    assert (atherton["place"]["id"], atherton["vendors"], atherton["technologies"]) == (
        "geonames/5325147",
        ["flock-safety"],
        ["alpr"],
    )
    assert atherton["date"] == "2023-07-27" and atherton["camera_count"] is None
    assert atherton["policy"]["detected"] == ["License Plates", "Vehicles"]
    assert "Immigration enforcement" in atherton["policy"]["prohibited_uses"]
    agencies = records("agency20240426_selected.csv")
    assert agencies["agency/14"]["place"]["id"] == "geonames/4983811"
    assert agencies["agency/14"]["description"] == "Duplicate of Adrian Township MI PD"
    # A stated state holds: Anchorage KY is not Anchorage, Alaska; Accomack County VA is the
    # county, no town.
    assert agencies["agency/57"]["place"]["label"] == "Anchorage, Kentucky, US"
    assert agencies["agency/4"]["place"]["label"] == "Accomack County, Virginia, US"
    assert agencies["agency/4"]["place"]["kind"] == "county"
    # Anderson County SC's sheriff is the county's, not the town of Anderson's.
    assert agencies["agency/59"]["place"]["id"] == "us-county/45007"


@pytest.mark.parametrize(
    ("operator", "published"),
    [
        ("Stadt Winterthur", "Stadt Winterthur"),
        ("Einwohnergemeinde Brienz", "Einwohnergemeinde Brienz"),  # part of a compound
        ("Thurgauer Kantonalbank", "Thurgauer Kantonalbank"),
        ("OSSOBUKKO AG", "OSSOBUKKO AG"),
        ("Allresto GmbH", "Allresto GmbH"),
        ("SBB", "SBB"),
        ("MeteoSchweiz", "MeteoSchweiz"),  # a known body, named whole
        ("Die Post", "Die Post"),
        ("Hikvision", "Hikvision"),  # a known vendor
        ("Police municipale de Lausanne", "Police municipale de Lausanne"),
        ("Khun Chanok", PRIVATE_OPERATOR),  # real tag, reads as a person's name
        ("Hans Muster", PRIVATE_OPERATOR),
        ("Agnes Post", PRIVATE_OPERATOR),  # "Post" counts only as the whole name "Die Post"
        ("Kennedy's Irish Pub", PRIVATE_OPERATOR),  # no organisation word: kept out too
        ("Stadt Zürich, Tel. 044 411 11 11", "Stadt Zürich, Tel. [phone removed]"),
        (None, None),
        ("  ", None),
    ],
)
def test_public_operator(operator, published):
    assert public_operator(operator) == published


def test_osm_private_operators_are_published_as_such():
    rows = records("osm_overpass_switzerland_selected-elements.json", area="CH")
    operators = {r["agency"] for r in rows.values()}
    assert "Die Post" in operators and "OSSOBUKKO AG" in operators
    item = {
        "kind": "dataset_row",
        "source": "osm-surveillance",
        "source_id": "node/1",
        "agency": "Hans Muster",
        "place": {"city": "Bern", "country": "CH"},
        "technologies_raw": ["camera"],
    }
    record = normalise_dataset_row(item)
    assert record["agency"] == PRIVATE_OPERATOR
    # The group is the published row id: the raw name must not reach it either.
    assert record["group"] == "osm-surveillance/geonames/2661552/camera/private-operator"


def test_osm_records_group_by_place_type_and_operator():
    rows = records("osm_overpass_switzerland_selected-elements.json", area="CH")
    a, b = rows["node/7475956905"], rows["node/7475956906"]
    assert a["group"] == b["group"] and a["group"].endswith("/camera/die-post")
    assert a["camera_count"] == 4 and a["technologies"] == ["cctv"]
    bern = rows["node/2509353836"]
    assert bern["place"]["id"] == "geonames/2661552"  # addr:city
    assert bern["group"] == "osm-surveillance/geonames/2661552/unspecified/ossobukko-ag"
    le_grand = rows["node/3783593463"]
    assert le_grand["place"]["id"] == "geonames/2660532"
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
