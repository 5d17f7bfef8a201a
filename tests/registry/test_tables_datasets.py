"""dataset_rows built from a real crawl store holding Atlas, Flock and OpenStreetMap items."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from crawlers.parsers import datasets
from crawlers.store import CrawlStore
from registry import schema, tables_datasets
from registry.build import _load_reference
from tests.conftest import FIXTURES

DATA = FIXTURES / "datasets"
FILES = (
    "atlas-of-surveillance_sample_first-rows.csv",
    "latest_usage04262023_first40.csv",
    "nc_agency_survey20240430.csv",
    "agency_policies_selected.csv",
    "agency20240426_selected.csv",
    "osm_overpass_switzerland_selected-elements.json",
)


@pytest.fixture
def registry(tmp_path):
    store = CrawlStore(tmp_path / "crawl.db")
    with store.transaction():
        for name in FILES:
            for item in datasets.parse((DATA / name).read_bytes(), url=name, area="CH"):
                item["document_url"] = f"https://example.org/recorded/{name}"
                item["document_sha256"] = "0" * 64
                store.upsert(item)
    db = sqlite_utils.Database(tmp_path / "registry.db")
    schema.create(db)
    _load_reference(db, store)
    tables_datasets.create(db)
    skipped: list[str] = []
    written, failures = tables_datasets.load(
        db, store.iter_records(kind="dataset_row"), skipped=skipped
    )
    tables_datasets.index(db)
    store.close()
    return db, written, failures, skipped


def test_rows_links_and_licences(registry):
    db, written, failures, _ = registry
    assert failures == []
    assert db["dataset_rows"].count == written
    counts = dict(
        db.execute("select source, count(*) from dataset_rows group by source").fetchall()
    )
    assert counts["atlas-of-surveillance"] == 28
    # Usage 40 less "DNU"; the survey; policies 34 less 8 and the agency list 114 less 48 of
    # Flock's own or retired accounts.
    assert counts["flock-transparency"] == 39 + 121 + 26 + 66
    # 145 OSM elements become far fewer place × type × operator rows.
    assert counts["osm-surveillance"] < 145
    assert (
        db.execute(
            "select count(*) from dataset_rows where licence is null or licence = ''"
        ).fetchone()[0]
        == 0
    )
    atlanta = db["dataset_rows"].get("atlas-of-surveillance/AOS000003")
    assert (atlanta["city"], atlanta["state"], atlanta["country"]) == ("Atlanta", "GA", "US")
    assert atlanta["technologies"] == "gunshot_detection" and atlanta["vendors"] == "soundthinking"
    assert len(json.loads(atlanta["links"])) == 3
    assert atlanta["licence"].startswith("CC BY 4.0")
    assert atlanta["document_url"].endswith("atlas-of-surveillance_sample_first-rows.csv")
    assert atlanta["place_id"] == db["places"].get(atlanta["place_id"])["id"]
    avon = db["dataset_rows"].get("flock-transparency/usage/119")
    assert (avon["camera_count"], avon["retention_days"], avon["vendors"]) == (
        6,
        30,
        "flock-safety",
    )
    assert avon["licence"].startswith("MIT")
    link = {(r["dataset_row_id"], r["vendor_id"]) for r in db["dataset_row_vendors"].rows}
    assert ("flock-transparency/usage/119", "flock-safety") in link
    techs = {r["technology_id"] for r in db["dataset_row_technologies"].rows}
    assert {"alpr", "body_worn", "gunshot_detection", "cctv"} <= techs


def test_osm_elements_are_aggregated_with_their_ids(registry):
    db, _, _, _ = registry
    (post,) = db["dataset_rows"].rows_where("osm_ids like ?", ["%node/7475956905%"])
    # Two Die Post nodes of camera:count 4 side by side: one row, eight cameras, both ids.
    assert set(post["osm_ids"].split()) == {"node/7475956905", "node/7475956906"}
    assert (post["camera_count"], post["element_count"]) == (8, 2)
    assert post["agency"] == "Die Post" and post["technologies"] == "cctv"
    assert post["licence"].startswith("ODbL") and post["country"] == "CH"
    bern = db.execute(
        "select sum(element_count) from dataset_rows where place_id = 'geonames/2661552'"
    ).fetchone()[0]
    assert bern >= 8  # the eight elements tagged addr:city=Bern
    total = db.execute(
        "select sum(element_count) from dataset_rows where source = 'osm-surveillance'"
    ).fetchone()[0]
    assert total == 145


def test_full_text_search(registry):
    db, _, _, _ = registry
    hits = {r["id"] for r in db["dataset_rows"].search("ShotSpotter")}
    assert "atlas-of-surveillance/AOS000002" in hits
    assert {r["id"] for r in db["dataset_rows"].search("Gibsonville")} == {
        "flock-transparency/nc-survey/1006"
    }


def test_flock_internal_accounts_are_skipped_with_a_reason(registry):
    db, _, _, skipped = registry
    assert len(skipped) == 1 + 8 + 48
    assert "flock-transparency/usage/4961: 'DNU' (do not use)" in "\n".join(skipped)
    reasons = dict(entry.split(": ", 1) for entry in skipped)
    assert reasons["flock-transparency/agency/881"].startswith("Flock Safety's own accounts")
    published = {r["id"] for r in db["dataset_rows"].rows_where("source = 'flock-transparency'")}
    assert not published & set(reasons)
    assert "flock-transparency/agency/1491" in published  # Little Flock AR PD, a real town
    assert (
        db.execute(
            "select count(*) from dataset_rows where agency like 'Flock Safety%' or agency = 'DNU'"
        ).fetchone()[0]
        == 0
    )


def test_flock_policy_rows(registry):
    db, _, _, _ = registry
    rossford = db["dataset_rows"].get("flock-transparency/policy/3423")
    assert rossford["date"] == "2023-12-06" and rossford["dataset"] == "flock-policies-csv"
    policy = json.loads(rossford["policy"])
    assert policy["prohibited_uses"].startswith("Traffic enforcement")
    assert db["dataset_rows"].get("flock-transparency/usage/119")["policy"] is None
    hits = {r["id"] for r in db["dataset_rows"].search("immigration")}
    assert "flock-transparency/policy/96" in hits and "flock-transparency/policy/3423" not in hits
