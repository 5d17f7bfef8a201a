"""Dataset parsers on the real Atlas, N&O Flock and OpenStreetMap files (and messy variants)."""

from __future__ import annotations

import pytest

from crawlers.parsers import datasets, detect_format
from crawlers.parsers.datasets.csvrows import MissingColumnError
from crawlers.parsers.errors import ParseError
from tests.conftest import FIXTURES

DATA = FIXTURES / "datasets"


def items(name: str, **kwargs) -> list[dict]:
    return list(datasets.parse((DATA / name).read_bytes(), url=name, **kwargs))


@pytest.mark.parametrize(
    ("name", "format"),
    [
        ("atlas-of-surveillance_sample_first-rows.csv", "atlas-csv"),
        ("atlas_messy_semicolon-bom.csv", "atlas-csv"),
        ("latest_usage04262023_first40.csv", "flock-usage-csv"),
        ("nc_agency_survey20240430.csv", "flock-nc-survey-csv"),
        ("agency_policies_selected.csv", "flock-policies-csv"),
        ("agency20240426_selected.csv", "flock-agency-list-csv"),
        ("osm_overpass_switzerland_selected-elements.json", "osm-overpass-json"),
        ("osm_messy_locale-coordinates.json", "osm-overpass-json"),
    ],
)
def test_sniff_names_each_format(name, format):
    assert datasets.sniff((DATA / name).read_bytes()[:65536]) == format


def test_sniff_leaves_other_documents_alone():
    ocds = FIXTURES / "ocds" / "uk-sell2wales_release_anpr-static-camera-support.json"
    assert datasets.sniff(ocds.read_bytes()) is None
    # The agency list is claimed by its exact header only: one more column and it is not.
    assert datasets.sniff(b"id,name,notes,city\n1,Abilene KS PD,NA,Abilene\n") is None


def test_atlas_rows_with_exact_repeats_skipped():
    rows = items("atlas-of-surveillance_sample_first-rows.csv")
    # 30 data rows; AOS000002 and AOS000003 appear twice, byte for byte; AOS000007 is absent.
    assert len(rows) == 28
    ids = [r["source_id"] for r in rows]
    assert ids[:3] == ["AOS000001", "AOS000002", "AOS000003"] and "AOS000007" not in ids
    atlanta = rows[2]
    assert atlanta["place"] == {
        "city": "Atlanta",
        "county": "Fulton County, DeKalb County",
        "state": "GA",
        "country": "US",
    }
    assert atlanta["technologies_raw"] == ["Gunshot Detection"]
    assert atlanta["vendors_raw"] == ["ShotSpotter"]
    assert [link["url"] for link in atlanta["links"]] == [
        "https://www.wsbtv.com/news/local/atlanta/atlanta-police-testing-new-sensors-that-detect"
        "-sound-of-gunshots/874029120/",
        "https://www.atlantapd.org/Home/ShowDocument?id=2162",
        "https://www.cbs46.com/news/metro-atlanta-communities-to-invest-in-gun-detection-"
        "technology-to-fight-crime/article_f8341a02-6789-11ec-ae15-831cc31f2429.html",
    ]
    assert atlanta["links"][0]["source"] == "WSB TV" and atlanta["date_raw"] == "11/16/2018"
    assert atlanta["line"] == 5
    tillamook = next(r for r in rows if r["source_id"] == "AOS000009")
    assert tillamook["vendors_raw"] == []  # empty Vendor cell
    broomfield = next(r for r in rows if r["source_id"] == "AOS000017")
    assert broomfield["date_raw"] == "2019"
    assert all(r["licence"].startswith("CC BY 4.0") for r in rows)


def test_atlas_semicolons_bom_placeholders_and_a_short_row():
    problems = []
    rows = items("atlas_messy_semicolon-bom.csv", problems=problems)
    assert [r["source_id"] for r in rows] == ["AOS000012", "AOS000024", "AOS000029"]
    assert rows[0]["agency"] == "Luna County Sheriff's Department"
    assert rows[1]["vendors_raw"] == []  # "(empty)"
    assert [(p.line, p.reason) for p in problems] == [(4, "5 fields where the header has 26")]
    assert str(problems[0]).startswith("atlas_messy_semicolon-bom.csv line 4")


def test_missing_required_column_fails_the_document():
    with pytest.raises(MissingColumnError, match="missing column.*Technology"):
        items("atlas_messy_missing-technology-column.csv")


def test_flock_usage_rows():
    rows = items("latest_usage04262023_first40.csv")
    assert len(rows) == 40
    avon = rows[0]
    assert avon["source_id"] == "usage/119" and avon["agency"] == "Avon IN PD"
    assert avon["place"] == {"city": "Avon", "county": None, "state": "IN", "country": "US"}
    assert avon["quantities"] == [{"count": "6", "of": "cameras"}]
    assert avon["retention_raw"] == "30 days"
    assert avon["hotlists"] == ["NCIC", "NCMEC Amber Alert", "IDACS"]
    assert avon["external_organizations"] == []  # "NA"
    assert avon["url"] == "https://transparency.flocksafety.com/avon-in-pd"
    assert avon["vendors_raw"] == ["Flock Safety"] and avon["technologies_raw"] == ["ALPR"]
    by_id = {r["source_id"]: r for r in rows}
    assert by_id["usage/1170"]["place"]["county"] == "Hendricks County"
    hamlet = by_id["usage/1117"]
    assert hamlet["external_organizations"] == ["Yancey County NC SO"]
    dnu = by_id["usage/4961"]
    assert dnu["retention_raw"] == "-Infinity days"
    assert dnu["hotlist_hits_30d_raw"] is None  # "Data Unavailable"
    assert by_id["usage/69"]["quantities"] == []  # cameras "NA"
    assert by_id["usage/4689"]["retention_raw"] is None
    assert by_id["usage/2421"]["external_organizations"] == ["988"]


def test_flock_nc_survey_rows():
    rows = items("nc_agency_survey20240430.csv")
    assert len(rows) == 121
    companies = [r["vendors_raw"][0] for r in rows if r["vendors_raw"]]
    assert companies.count("Flock") == 103 and companies.count("Motorola") == 5
    by_id = {r["source_id"]: r for r in rows}
    gibsonville = by_id["nc-survey/1006"]
    assert gibsonville["place"] == {
        "city": "Gibsonville",
        "county": "Alamance, Guilford",
        "state": "NC",
        "country": "US",
    }
    assert gibsonville["quantities"] == [{"count": "2", "of": "cameras (confirmed)"}]
    hudson = by_id["nc-survey/1234"]
    assert hudson["url"] == "https://transparency.flocksafety.com/hudson-nc-pd"
    assert hudson["quantities"] == [
        {"count": "2", "of": "cameras (confirmed)"},
        {"count": "2", "of": "cameras (portal)"},
    ]
    assert by_id["nc-survey/2837"]["quantities"] == []  # "Unknown"


def test_flock_policy_rows_keep_the_latest_scrape_of_each_portal():
    rows = items("agency_policies_selected.csv")
    # 36 records of 34 ids: Rossford OH PD (3423) was scraped on 4, 5 and 6 December 2023.
    assert len(rows) == 34
    ids = [r["source_id"] for r in rows]
    assert len(set(ids)) == 34 and ids[0] == "policy/96"
    rossford = rows[ids.index("policy/3423")]
    assert (rossford["line"], rossford["date_raw"]) == (34, "2023-12-06T19:53:33Z")
    assert rossford["policy_hash"] == "61beedb93e9bb5c94cdc07ae87297753"
    assert rossford["policy"]["prohibited_uses"].startswith("Traffic enforcement, harassment")
    atherton = rows[0]
    assert atherton["agency"] == "Atherton CA PD" and atherton["dataset"] == "flock-policies-csv"
    assert atherton["place"] == {"city": "Atherton", "county": None, "state": "CA", "country": "US"}
    assert atherton["url"] == "https://transparency.flocksafety.com/atherton-ca-pd"
    assert atherton["date_raw"] == "2023-07-27T12:04:07Z"
    assert atherton["policy"] == {
        "detected": ["License Plates", "Vehicles"],
        "not_detected": ["Facial recognition", "People", "Gender", "Race"],
        "acceptable_use": "Data is used for law enforcement purposes only. Data is owned by "
        "Atherton Police Department and is never sold to 3rd parties.",
        "prohibited_uses": "Immigration enforcement, traffic enforcement, harrassment or "
        "intimidation, usage based solely on a protected class (i.e. race, sex, religion), "
        "Personal use.",
        "access": "All system access requires a valid reason and is stored indefinitely.",
        "hotlist": "Hotlist hits are required to be human verified prior to action.",
    }
    by_id = dict(zip(ids, rows, strict=True))
    porter = by_id["policy/2103"]  # lines 26-27: a cell ends in a line break, stripped
    assert porter["line"] == 26 and porter["policy"]["hotlist"].endswith("NCIC and IDACS.")
    dunwoody = by_id["policy/746"]
    assert dunwoody["policy"]["detected"] == [] and dunwoody["policy"]["access"] is None  # NA
    assert by_id["policy/119"]["date_raw"] is None  # updated "NA"
    assert by_id["policy/4961"]["agency"] == "DNU"


def test_flock_agency_list_rows():
    rows = items("agency20240426_selected.csv")
    assert len(rows) == 114
    first = rows[0]
    assert (first["source_id"], first["agency"], first["line"]) == (
        "agency/1",
        "18th Judicial District DA's Office- LA PD",
        2,
    )
    assert first["description"] is None  # notes "NA"
    by_id = {r["source_id"]: r for r in rows}
    adrian = by_id["agency/14"]
    assert adrian["description"] == "Duplicate of Adrian Township MI PD"
    assert adrian["place"] == {"city": "Adrian", "county": None, "state": "MI", "country": "US"}
    assert by_id["agency/4961"]["agency"] == "Saratoga CA PD"  # "DNU" in the usage scrape
    assert by_id["agency/875"]["agency"] == "Flock Safety - Admins"
    assert all(r["vendors_raw"] == ["Flock Safety"] for r in rows)
    assert all(r["technologies_raw"] == ["ALPR"] and r["quantities"] == [] for r in rows)


def test_osm_elements():
    rows = items("osm_overpass_switzerland_selected-elements.json", area="CH")
    assert len(rows) == 145
    kinds = [r["technologies_raw"][0] if r["technologies_raw"] else None for r in rows]
    assert (
        kinds.count("camera"),
        kinds.count("ALPR"),
        kinds.count("guard"),
        kinds.count(None),
    ) == (61, 2, 2, 76)
    first = rows[0]
    assert first["source_id"] == "node/29773946"
    assert (first["latitude"], first["longitude"]) == (47.2284849, 8.820002)
    assert first["place"]["country"] == "CH"
    assert first["url"] == "https://www.openstreetmap.org/node/29773946"
    by_id = {r["source_id"]: r for r in rows}
    post = by_id["node/7475956905"]
    assert post["agency"] == "Die Post" and post["quantities"] == [{"count": "4", "of": "cameras"}]
    assert by_id["node/10719033106"]["vendors_raw"] == ["hikvision"]
    assert by_id["node/2509353836"]["place"]["city"] == "Bern"
    assert all(r["licence"].startswith("ODbL") for r in rows)


def test_osm_locale_damaged_coordinates_and_an_element_without_id():
    problems = []
    rows = items("osm_messy_locale-coordinates.json", problems=problems)
    assert [r["source_id"] for r in rows] == ["node/565072468", "node/7475956905"]
    assert rows[0]["latitude"] == "46,9486386"  # raw, as written
    assert [(p.line, p.reason) for p in problems] == [(2, "element without type or id")]


@pytest.mark.parametrize("body", [b'{"elements": [{"type": "node", "id": 1, ', b"<html>"])
def test_broken_overpass_answer_raises(body):
    with pytest.raises(ParseError):
        list(datasets.parse(body, url="x", format="osm-overpass-json"))


def _osm(name: str) -> tuple[list[dict], list]:
    data = (DATA / name).read_bytes()
    problems: list = []
    return list(
        datasets.parse(data, url=name, format=detect_format(data), problems=problems)
    ), problems


def test_deflock_alpr_geojson_gives_one_item_per_node_with_its_tags():
    items, problems = _osm("alpr-sync-usa_Rhode_Island.json")
    assert len(items) == 65 and problems == []
    first = items[0]
    assert first["dataset"] == "osm-geojson"
    assert first["source_id"] == "node/201157214"
    assert (first["latitude"], first["longitude"]) == (41.8082751, -71.3523346)
    assert first["technologies_raw"] == ["ALPR"] and first["vendors_raw"] == ["Flock Safety"]
    assert first["place"]["state"] == "Rhode Island"
    assert sum(1 for i in items if i["agency"] == "Cranston Police Department") == 16


def test_overpass_turbo_csv_export_reads_like_the_overpass_json():
    items, problems = _osm("osm_overpass-turbo_switzerland_first20.csv")
    assert problems == [] and len(items) == 20
    assert items[2]["source_id"] == "node/112376207"
    assert (items[2]["latitude"], items[2]["longitude"]) == ("47.3902422", "8.5150958")
    assert items[2]["technologies_raw"] == ["camera"]
    assert items[0]["tags"] == {"man_made": "surveillance", "surveillance": "public"}


def test_spreadsheet_csv_semicolons_flattened_tags_and_damaged_coordinates():
    items, problems = _osm("osm_spreadsheet_switzerland_semicolon-locale-damaged.csv")
    assert problems == [] and len(items) == 12
    first, damaged = items[0], items[1]
    assert first["tags"] == {"surveillance": "outdoor", "surveillance:type": "camera"}
    assert (first["latitude"], first["longitude"]) == ("47,4611066", "8,3084931")
    # "465.080.588" / "66.844.542": only 46.5 and 6.68 sit among the file's intact coordinates.
    assert (damaged["latitude"], damaged["longitude"]) == ("46.5080588", "6.6844542")
    assert damaged["tags"] == {}  # "(empty)" cells are no tags


def test_damaged_coordinates_with_nothing_to_tell_their_magnitude_are_reported():
    items, problems = _osm("osm_csv_all-coordinates-damaged.csv")
    assert [i["source_id"] for i in items] == ["node/410180397", "node/417650663", "node/417650664"]
    assert all(i["latitude"] is None and i["longitude"] is None for i in items)
    assert len(problems) == 6
    assert "could be 4.74611 or 47.4611: not repaired" in str(problems[0])
