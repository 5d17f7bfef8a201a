"""The announcements table: snippet, facts, link and licence; never the article's whole text."""

from __future__ import annotations

import sqlite_utils

from crawlers.parsers import article
from registry import schema, tables_announcements
from registry.normalise.announcement import normalise_announcement
from tests.conftest import FIXTURES

STORED = {
    "first_seen": "2026-11-01T00:00:00Z",
    "last_changed": "2026-11-02T00:00:00Z",
    "document_url": "https://www.thurrock.gov.uk/foi-responses/hikvision-cameras",
    "document_sha256": "ab" * 32,
}


def record(name: str, source: str = "news-feed") -> dict:
    data = (FIXTURES / "articles" / name).read_bytes()
    return normalise_announcement(next(article.parse(data, source=source)))


def build(*records: dict) -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    schema.create(db)
    tables_announcements.create(db)
    for rec in records:
        tables_announcements.insert(db, rec, STORED)
    tables_announcements.index(db)
    return db


def test_row_carries_facts_link_licence_and_crawl_metadata():
    db = build(record("thurrock-council_foi_hikvision-cameras-2019.txt"))
    row = next(db["announcements"].rows)
    assert row["id"] == "news-feed/https://www.thurrock.gov.uk/foi-responses/hikvision-cameras"
    assert row["url"] == "https://www.thurrock.gov.uk/foi-responses/hikvision-cameras"
    assert row["published"] == "2019-06-06"
    assert row["vendors"] == "hikvision" and row["technologies"].startswith("cctv")
    assert (row["value_amount"], row["value_currency"]) == (9690.0, "GBP")
    assert row["cameras"] == 47 and row["country"] == "GB"
    assert row["licence"] == "© the publisher; snippet quoted for reference"
    assert row["first_seen"] == STORED["first_seen"] and row["document_sha256"] == "ab" * 32
    assert row["event_key"].startswith("hikvision|GB|cctv|2019-06")


def test_public_row_has_a_snippet_not_the_article_and_no_direct_email():
    db = build(record("thurrock-council_foi_hikvision-cameras-2019.txt"))
    assert "text" not in db["announcements"].columns_dict
    dump = "\n".join(db.iterdump())
    assert "information.matters@thurrock.gov.uk" not in dump  # in the article, not in the row
    assert "Information Commissioner" not in dump
    assert len(next(db["announcements"].rows)["snippet"]) <= 300


def test_link_tables_and_full_text_search():
    db = build(
        record("west-suffolk-council_cctv_hikvision.txt"),
        record("citizenportal_cibolo-tx_flock-alpr-purchase.txt"),
    )
    vendors = {(r["vendor_id"]) for r in db["announcement_vendors"].rows}
    assert {"hikvision", "axis", "flock-safety"} <= vendors
    techs = {r["technology_id"]: r["confidence"] for r in db["announcement_technologies"].rows}
    assert techs["alpr"] > 0.5
    hits = list(db["announcements"].search("Flock"))
    assert [h["city"] for h in hits] == ["Cibolo"]
    assert db["announcements"].detect_fts() == "announcements_fts"


def test_unsafe_links_are_not_published():
    rec = record("pasadenanow_shotspotter-review.txt")
    rec["url"] = "javascript:alert(1)"
    assert (
        tables_announcements.row(rec, {**STORED, "document_url": "data:text/html,x"})["url"] is None
    )
