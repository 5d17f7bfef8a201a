"""Deployments through time: council decisions, a reversal, an end told by a news story, and
the tables, page and feed that show it."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import feedparser
import pytest

from crawlers.store import CrawlStore
from registry.build import build
from registry.events import decision_outcome, text_outcome
from registry.replay import ReplayServer
from tests.conftest import SNAPSHOT
from tests.crawlers.spiders.crawling import crawl
from tests.registry.helpers import notice
from tests.registry.test_feeds import registry_datasette


def matter(source_id: str, title: str, date: str, flag: int, related=()) -> dict:
    return notice(
        source_id,
        source="legistar",
        procedure_id=source_id,
        notice_type="other",
        title=title,
        cpv=[],
        published=date,
        buyer={"name": "City of Redmond", "country": "US", "city": "Redmond", "region": "WA"},
        related_notices=list(related),
        decision={"action": "Approved" if flag else "Failed", "passed_flag": flag, "date": date},
    )


def test_outcomes_of_decisions_and_titles():
    approve = {"title": "Agreement with Flock Safety", "decision": {"passed_flag": 1}}
    end = {"title": "Termination of the Flock agreement", "decision": {"passed_flag": 1}}
    kept = {"title": "Termination of the Flock agreement", "decision": {"passed_flag": 0}}
    assert decision_outcome(approve) == "approved"
    assert decision_outcome(end) == "cancelled"
    assert decision_outcome(kept) is None  # voting down an end changes nothing
    assert decision_outcome({**approve, "decision": {"passed_flag": 0}}) == "rejected"
    assert decision_outcome({"title": "x", "decision": {"outcome": "renewed"}}) == "renewed"
    assert decision_outcome({"title": "Agreement with Flock Safety"}) is None
    assert text_outcome("Suspension of Flock Automated License Plate Reading System") == "suspended"
    assert text_outcome("Council votes to end the contract with ShotSpotter") == "cancelled"


def test_reversal_is_one_deployment_with_two_events(tmp_path):
    store = CrawlStore(tmp_path / "crawl.db")
    with store.transaction():
        store.upsert(
            matter("redmond/matter/1", "Flock Safety ALPR cameras agreement", "2024-08-05", 1)
        )
        store.upsert(
            matter(
                "redmond/matter/2",
                "Suspension of Flock ALPR cameras",
                "2025-11-12",
                1,
                ["redmond/matter/1"],
            )
        )
    store.close()
    build(tmp_path / "crawl.db", tmp_path / "registry.db", progress=False)
    db = sqlite3.connect(tmp_path / "registry.db")
    assert db.execute("SELECT status FROM deployments").fetchall() == [("suspended",)]
    events = db.execute(
        "SELECT date, previous_status, status, outcome FROM deployment_events ORDER BY date"
    ).fetchall()
    assert events == [
        ("2024-08-05", None, "awarded", "approved"),
        ("2025-11-12", "awarded", "suspended", "suspended"),
    ]


@pytest.fixture(scope="module")
def council_registry(tmp_path_factory):
    directory = tmp_path_factory.mktemp("councils")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("SURVREG_DATA", str(directory))
    with ReplayServer(SNAPSHOT / "legistar") as server:
        crawl("legistar", server, client="redmond")
    index = json.loads((SNAPSHOT / "records" / "arguments.json").read_text())["index"]
    with ReplayServer(SNAPSHOT / "records") as server:
        crawl("records", server, index=index)
    monkeypatch.undo()
    build(directory / "crawl.db", directory / "registry.db", progress=False)
    return registry_datasette(directory / "registry.db")


def get(datasette, path):
    response = asyncio.run(datasette.client.get(path))
    assert response.status_code == 200, response.text
    return response


def test_tables_serve_events_and_evidence_with_filters(council_registry):
    events = get(council_registry, "/registry/deployment_events.json?status=suspended&_shape=array")
    (suspension,) = events.json()
    assert suspension["previous_status"] == "awarded" and suspension["date"] == "2025-11-12"
    evidence = get(council_registry, "/registry/evidence.json?outcome=suspended&_shape=array")
    assert [e["record_id"] for e in evidence.json()] == ["legistar/redmond/matter/7729452"]
    pdfs = get(council_registry, "/registry/evidence.json?source=records&_shape=array").json()
    assert any(e["detail"] == "award" and e["url"].endswith(".pdf") for e in pdfs)


def test_deployment_page_shows_its_history_and_pdf_evidence(council_registry):
    rows = get(council_registry, "/registry/deployments.json?city=Redmond&_shape=array").json()
    (redmond,) = rows
    assert redmond["status"] == "suspended" and "flock-safety" in redmond["vendors"]
    page = get(council_registry, f"/registry/deployment?id={redmond['id']}").text
    assert "suspended since 2025-11-12" in page
    assert "awarded → suspended" in page and "new → awarded" in page
    assert "https://redmond.legistar.com/View.ashx?M=F&amp;ID=13001" in page


def test_status_change_feed_filters_on_status_country_and_technology(council_registry):
    feed = feedparser.parse(
        get(
            council_registry,
            "/registry/new_status_changes.atom?status=suspended&country=US&technology=alpr",
        ).text
    )
    assert [e.title for e in feed.entries] == [
        "Suspension of Flock Automated License Plate Reading System (ALPRS): suspended"
    ]
    none = feedparser.parse(
        get(council_registry, "/registry/new_status_changes.atom?status=cancelled").text
    )
    assert not none.bozo and none.entries == []


def test_status_change_feed_names_its_filter_and_resolves_names(council_registry):
    query = "status=suspended&country=US&technology=alpr"
    feed = feedparser.parse(
        get(council_registry, f"/registry/new_status_changes.atom?{query}").text
    )
    assert feed.feed.title == (
        "Automatic licence plate recognition deployments that changed status to suspended in US"
    )
    named = asyncio.run(
        council_registry.client.get(
            "/registry/new_status_changes.atom?status=Suspended&technology=ALPR&country=us"
        )
    )
    assert named.status_code == 302
    assert sorted(named.headers["location"].split("?", 1)[1].split("&")) == sorted(query.split("&"))
    unknown = asyncio.run(
        council_registry.client.get("/registry/new_status_changes.atom?status=paused")
    )
    assert unknown.status_code == 400
    assert "cancelled" in unknown.text and "suspended" in unknown.text


def test_council_decisions_are_official_records_and_contracts_give_camera_counts(council_registry):
    rows = get(council_registry, "/registry/deployments.json?_shape=array&_size=max").json()
    redmond = next(r for r in rows if r["city"] == "Redmond")
    assert redmond["verification"] == "official record"
    assert redmond["confidence_rules"].startswith("decision 0.9")
    eugene = next(r for r in rows if r["city"] == "Eugene")
    # The signed contract's order form lists 57 Flock cameras; insurance limits are no count.
    assert eugene["cameras"] == 57
