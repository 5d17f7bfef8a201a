"""Linking across rebuilds: procedures, citations, observations, corrections and markers."""

from __future__ import annotations

import json

import sqlite_utils

from crawlers.store import CrawlStore
from registry.build import build
from registry.corrections import load_corrections
from tests.conftest import FIXTURES
from tests.registry.helpers import notice, store_documents

ROCKFORD = {"name": "City of Rockford", "country": "US", "city": "Rockford"}
ALPR_AWARD = notice(
    "rockford-alpr/award",
    procedure_id="rockford-alpr",
    notice_type="award",
    title="Automated license plate reader cameras",
    buyer=ROCKFORD,
    published="2023-05-02",
    suppliers=[{"name": "Flock Safety", "country": "US"}],
    cpv=[],
)
ATLAS_ROW = {
    "kind": "dataset_row",
    "source": "atlas-of-surveillance",
    "source_id": "AOS999001",
    "dataset": "atlas-csv",
    "title": "Rockford Police Department: Automated License Plate Readers",
    "agency": "Rockford Police Department",
    "description": None,
    "url": None,
    "place": {"city": "Rockford", "state": "IL", "country": "US", "county": None},
    "technologies_raw": ["Automated License Plate Readers"],
    "vendors_raw": ["Flock Safety"],
    "quantities": [],
    "links": [],
    "date_raw": "05/01/2023",
    "licence": "CC BY 4.0 (Electronic Frontier Foundation and Reynolds School of Journalism)",
}


def story(source_id: str, site: str) -> dict:
    return {
        "kind": "announcement",
        "source": "news-feed",
        "source_id": source_id,
        "url": f"https://{site}/news/{source_id}",
        "title": "Cibolo buys Flock cameras",
        "published": "2024-02-12",
        "language": "en",
        "site_name": site,
        "text": "The City of Cibolo, Texas, approved the purchase of 12 Flock Safety automated "
        "license plate reader cameras for the Cibolo Police Department.",
        "description": "Cibolo, Texas approved 12 Flock Safety license plate reader cameras.",
    }


def built(tmp_path, *items, corrections=None):
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    store_documents(crawl_db, extra=list(items))
    build(crawl_db, registry_db, progress=False, corrections=corrections)
    return sqlite_utils.Database(registry_db)


def deployment_of(db, record_id):
    return db.execute(
        "select deployment_id, link_rule from evidence where record_id = ?", [record_id]
    ).fetchone()


def test_notice_citing_another_joins_its_procurement(tmp_path):
    db = built(
        tmp_path,
        notice("cn", procedure_id="111-2020", published="2020-01-01"),
        notice(
            "can",
            procedure_id="222-2020",
            notice_type="award",
            related_notices=["cn"],
            published="2020-06-01",
        ),
    )
    (cn_deployment, cn_rule) = deployment_of(db, "contracts-finder/cn")
    (can_deployment, can_rule) = deployment_of(db, "contracts-finder/can")
    assert cn_deployment == can_deployment
    assert (cn_rule, can_rule) == ("same-procedure", "cites-notice")
    assert db["deployments"].get(cn_deployment)["status"] == "awarded"


def test_dataset_row_joins_the_procurement_with_its_place_vendor_and_technology(tmp_path):
    db = built(tmp_path, ALPR_AWARD, ATLAS_ROW)
    award = deployment_of(db, "contracts-finder/rockford-alpr/award")
    row = deployment_of(db, "atlas-of-surveillance/AOS999001")
    assert row == (award[0], "same-place-vendor-technology")
    deployment = db["deployments"].get(award[0])
    assert (deployment["status"], deployment["evidence_count"]) == ("operational", 2)
    assert (deployment["country"], deployment["city"]) == ("US", "Rockford")
    assert deployment["latitude"] and deployment["vendors"] == "flock-safety"


def test_one_story_from_two_outlets_is_one_deployment(tmp_path):
    db = built(tmp_path, story("a", "news.one.example"), story("b", "news.two.example"))
    first, second = (deployment_of(db, f"news-feed/{s}") for s in "ab")
    assert first == second and first[1] == "same-story"
    deployment = db["deployments"].get(first[0])
    assert (deployment["status"], deployment["evidence_count"]) == ("announced", 2)


def test_ids_are_stable_and_a_merge_by_citation_leaves_a_marker(tmp_path):
    cn = notice("cn", procedure_id="111-2020", published="2020-01-01")
    can = notice("can", procedure_id="222-2020", notice_type="award", published="2020-06-01")
    db = built(tmp_path, cn, can)
    before = {r["record_id"]: r["deployment_id"] for r in db["evidence"].rows}
    build(tmp_path / "crawl.db", tmp_path / "registry.db", progress=False)
    db = sqlite_utils.Database(tmp_path / "registry.db")
    assert {r["record_id"]: r["deployment_id"] for r in db["evidence"].rows} == before
    store = CrawlStore(tmp_path / "crawl.db")
    store.upsert({**can, "related_notices": ["cn"]})
    store.close()
    build(tmp_path / "crawl.db", tmp_path / "registry.db", progress=False)
    db = sqlite_utils.Database(tmp_path / "registry.db")
    survivor = before["contracts-finder/cn"]
    (marker,) = db["deployment_markers"].rows
    assert (marker["id"], marker["state"]) == (before["contracts-finder/can"], "merged")
    assert marker["successors"] == f'["{survivor}"]'


def test_corrections_suppress_merge_split_annotate(tmp_path):
    path = tmp_path / "corrections.yaml"
    first = built(
        tmp_path,
        notice("x1", procedure_id="p1"),
        notice("x2", procedure_id="p2"),
        notice("y1", procedure_id="p3"),
        notice("y2", procedure_id="p3"),
        notice("secret", title="CCTV for Jane Doe's street"),
    )
    d1, d2, d3 = (deployment_of(first, f"contracts-finder/{n}")[0] for n in ("x1", "x2", "y1"))
    path.write_text(f"""
- {{action: suppress, record: contracts-finder/secret, reason: names a resident, date: 2026-11-01}}
- {{action: merge, deployments: [{d1}, {d2}], reason: one contract in two lots, date: 2026-11-02}}
- {{action: split, record: contracts-finder/y2, reason: a separate site, date: 2026-11-03}}
- {{action: annotate, deployment: {d3}, note: cancelled in 2025, date: 2026-11-04}}
""")
    build(
        tmp_path / "crawl.db",
        tmp_path / "registry.db",
        progress=False,
        corrections=load_corrections(path),
    )
    db = sqlite_utils.Database(tmp_path / "registry.db")
    assert b"Jane Doe" not in (tmp_path / "registry.db").read_bytes()
    assert deployment_of(db, "contracts-finder/x2") == (d1, "correction-merge")
    assert deployment_of(db, "contracts-finder/y2")[1] == "correction-split"
    assert deployment_of(db, "contracts-finder/y2")[0] != d3
    assert db["deployments"].get(d3)["note"] == "cancelled in 2025 (2026-11-04)"
    markers = {m["id"]: m for m in db["deployment_markers"].rows}
    assert markers[d2]["state"] == "merged"
    assert markers[d2]["reason"] == "correction: one contract in two lots (2026-11-02)"
    secret = next(m for m in markers.values() if m["state"] == "withdrawn")
    assert secret["successors"] == "[]"
    assert [c["action"] for c in db["corrections"].rows] == [
        "suppress",
        "merge",
        "split",
        "annotate",
    ]


def flock_row(source_id: str, agency: str, city: str | None, state: str, **extra) -> dict:
    return {
        "kind": "dataset_row",
        "source": "flock-transparency",
        "source_id": source_id,
        "dataset": "flock-agency-list-csv",
        "title": f"{agency}: Flock Safety ALPR",
        "agency": agency,
        "description": None,
        "url": None,
        "place": {"city": city, "state": state, "country": "US", "county": None},
        "technologies_raw": ["ALPR"],
        "vendors_raw": ["Flock Safety"],
        "quantities": [],
        "links": [],
        "date_raw": None,
        "licence": "MIT (credit: an analysis by The News & Observer)",
        **extra,
    }


def test_three_albanys_are_three_places_and_agency_names_are_no_city(tmp_path):
    db = built(
        tmp_path,
        flock_row("a/25", "Albany CA PD", "Albany", "CA"),
        flock_row("a/27", "Albany GA PD", "Albany", "GA"),
        flock_row("a/28", "Albany NY PD", "Albany", "NY"),
        flock_row(
            "a/1",
            "18th Judicial District DA's Office- LA PD",
            "18th Judicial District DA's Office-",
            "LA",
        ),
        flock_row("a/32", "ALDOI/ AL State Fire Marshal's Office", "ALDOI/", "AL"),
    )
    rows = {
        r["title"].split(":")[0]: r
        for r in db.query("select title, city, place_id, place_label, latitude from deployments")
    }
    labels = {rows[f"Albany {s} PD"]["place_label"] for s in ("CA", "GA", "NY")}
    assert labels == {"Albany, California, US", "Albany, Georgia, US", "Albany, New York, US"}
    assert len({rows[f"Albany {s} PD"]["place_id"] for s in ("CA", "GA", "NY")}) == 3
    assert all(rows[f"Albany {s} PD"]["latitude"] for s in ("CA", "GA", "NY"))
    for agency in (
        "18th Judicial District DA's Office- LA PD",
        "ALDOI/ AL State Fire Marshal's Office",
    ):
        assert (rows[agency]["city"], rows[agency]["place_id"]) == (None, None)
    # The places table says which Albany; the slug ids published before still lead there.
    (albany_ny,) = db.query("select * from places where label = 'Albany, New York, US'")
    assert albany_ny["id"] == "geonames/5106834" and albany_ny["admin1_name"] == "New York"
    assert db["place_aliases"].get("us/albany-ny")["place_id"] == albany_ny["id"]


def test_suppliers_of_award_notices_are_named_even_when_no_known_vendor(tmp_path):
    crawl_db, registry_db = tmp_path / "crawl.db", tmp_path / "registry.db"
    store_documents(
        crawl_db, FIXTURES / "ocds" / "uk-contractsfinder_release_body-worn-video-cameras-dvsa.json"
    )
    build(crawl_db, registry_db, progress=False)
    db = sqlite_utils.Database(registry_db)
    (deployment,) = db.query("select * from deployments")
    assert deployment["suppliers"] == "reliancehightech" and not deployment["vendors"]
    supplier = db["suppliers"].get("reliancehightech")
    assert (supplier["name"], supplier["vendor_id"], supplier["notices"]) == (
        "Reliance High-Tech Limited",
        None,
        1,
    )
    assert [r["supplier_id"] for r in db["deployment_suppliers"].rows] == ["reliancehightech"]


def test_a_supplier_that_is_a_known_vendor_carries_its_id(tmp_path):
    db = built(
        tmp_path,
        notice("h1", suppliers=[{"name": "Hikvision UK Ltd"}], notice_type="award"),
        notice("h2", suppliers=[{"name": "HIKVISION UK LIMITED"}], notice_type="award"),
    )
    (supplier,) = db["suppliers"].rows
    assert (supplier["id"], supplier["vendor_id"], supplier["notices"]) == (
        "hikvisionuk",
        "hikvision",
        2,
    )
    assert json.loads(supplier["names"]) == ["HIKVISION UK LIMITED", "Hikvision UK Ltd"]


def test_every_deployment_has_a_technology(tmp_path):
    db = built(
        tmp_path,
        notice("cctv", title="CCTV cameras", cpv=[]),
        # Plausible (a generic security CPV code) but about no surveillance technology.
        notice("doors", title="Empty homes security: steel doors", cpv=["35120000"]),
        flock_row("a/9", "Avon IN PD", "Avon", "IN", technologies_raw=["Parking meters"]),
    )
    assert [r["title"] for r in db["deployments"].rows] == ["CCTV cameras"]
    assert db["dataset_rows"].count == 1  # published, but no deployment


def test_a_deployments_year_is_its_earliest_dated_evidence(tmp_path):
    db = built(
        tmp_path,
        notice("t", procedure_id="p", published="2021-03-01"),
        notice("a", procedure_id="p", notice_type="award", published="2022-06-01"),
        flock_row("a/28", "Albany NY PD", "Albany", "NY"),
    )
    years = {r["title"]: (r["year"], r["first_evidence"]) for r in db["deployments"].rows}
    assert years["CCTV cameras"] == (2021, "2021-03-01")
    # An undated row stays undated: no year invented from when it was crawled.
    assert years["Albany NY PD: Flock Safety ALPR"] == (None, None)


def test_confidence_and_verification_say_how_sure(tmp_path):
    db = built(tmp_path, ALPR_AWARD, ATLAS_ROW, story("a", "news.one.example"))
    rows = {r["evidence_count"]: r for r in db["deployments"].rows}
    linked = rows[2]  # the award and the Atlas row
    assert linked["verification"] == "official record"
    assert linked["confidence"] == 1.0
    assert linked["confidence_rules"] == "award-notice 0.9; corroborated +0.10"
    reported = rows[1]
    assert (reported["verification"], reported["confidence"]) == ("reported", 0.6)


def test_title_comes_from_the_furthest_stage_not_the_latest_paper(tmp_path):
    # Eugene's usage policy, filed months after the contract, titled the whole deployment.
    award = {**ALPR_AWARD, "title": "Contract with Flock Group Inc for ALPR software"}
    policy = notice(
        "rockford-alpr/policy",
        procedure_id="rockford-alpr",
        notice_type="other",
        title="Police Policy 1204: Automated License Plate Readers",
        buyer=ROCKFORD,
        published="2023-11-20",
        cpv=[],
    )
    db = built(tmp_path, award, policy)
    (deployment,) = db["deployments"].rows
    assert (deployment["title"], deployment["status"]) == (
        "Contract with Flock Group Inc for ALPR software",
        "awarded",
    )
    assert deployment["last_evidence"] == "2023-11-20"
