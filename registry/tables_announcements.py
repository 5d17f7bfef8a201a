"""The ``announcements`` table and its link tables: snippet, extracted facts and link per article.

Articles are their publishers' copyright: the registry shows a short snippet, the facts and the
link; the whole text stays in the crawl store and the document archive.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from registry import schema, search
from registry.links import safe_link
from registry.normalise.announcement import event_key
from registry.normalise.redact import redact_text

LICENCE = "© the publisher; snippet quoted for reference"

COLUMNS = {
    "id": str,
    "source": str,
    "source_id": str,
    "url": str,
    "title": str,
    "published": str,
    "event_date": str,
    "event_key": str,
    "language": str,
    "site_name": str,
    "snippet": str,
    "vendors": str,
    "technologies": str,
    "places": str,
    "country": str,
    "city": str,
    "place_id": str,
    "quantities": str,
    "cameras": int,
    "value_amount": float,
    "value_currency": str,
    **schema.PROVENANCE_COLUMNS,
}


def create(db: sqlite_utils.Database) -> None:
    """Create ``announcements``, ``announcement_vendors`` and ``announcement_technologies``."""
    db.table("announcements").create(COLUMNS, pk="id")
    schema.create_facts(db, "announcements", "announcement_id")


def row(record: dict, stored: dict[str, Any]) -> dict:
    """The ``announcements`` row of a normalised announcement and its crawl-store metadata."""
    places = record.get("places") or []
    first = places[0] if places else {}
    value = record.get("value") or {}
    # Only installed cameras count: "needs 300 more" or "will install 50" is not a camera yet.
    cameras = [
        q["count"]
        for q in record.get("quantities") or []
        if q.get("of") == "cameras" and q.get("status", "installed") == "installed"
    ]
    return {
        "id": f"{record['source']}/{record['source_id']}",
        "source": record["source"],
        "source_id": record["source_id"],
        "url": safe_link(redact_text(record.get("url")) or None),
        "title": record.get("title") or "",
        "published": record.get("published"),
        "event_date": record.get("event_date"),
        "event_key": event_key(record),
        "language": record.get("language"),
        "site_name": record.get("site_name"),
        "snippet": record.get("snippet"),
        "vendors": " ".join(record.get("vendors") or []),
        "technologies": " ".join(record.get("technologies") or []),
        "places": json.dumps(
            [{"city": p.get("city"), "country": p.get("country")} for p in places],
            ensure_ascii=False,
        ),
        "country": first.get("country"),
        "city": first.get("city"),
        "place_id": first.get("id"),
        "quantities": json.dumps(record.get("quantities") or []),
        "cameras": max(cameras) if cameras else None,
        "value_amount": value.get("amount"),
        "value_currency": value.get("currency"),
        **schema.provenance(stored, LICENCE),
    }


def link_rows(record: dict) -> tuple[list[dict], list[dict]]:
    """Rows of ``announcement_vendors`` and ``announcement_technologies`` for one record."""
    key = f"{record['source']}/{record['source_id']}"
    confidence = record.get("technology_confidence") or {}
    vendors = [{"announcement_id": key, "vendor_id": v} for v in record.get("vendors") or []]
    techs = [
        {"announcement_id": key, "technology_id": t, "confidence": confidence.get(t)}
        for t in record.get("technologies") or []
    ]
    return vendors, techs


def insert(db: sqlite_utils.Database, record: dict, stored: dict[str, Any]) -> None:
    """Write one announcement and its link rows."""
    db.table("announcements").insert(row(record, stored), replace=True)
    vendors, techs = link_rows(record)
    db.table("announcement_vendors").insert_all(vendors, ignore=True)
    db.table("announcement_technologies").insert_all(techs, ignore=True)


def index(db: sqlite_utils.Database) -> None:
    """Facet indexes and full-text search (title, snippet, site, vendors, city); after the load."""
    for columns in (
        ["country"],
        ["published"],
        ["first_seen"],
        ["event_key"],
        ["source"],
        ["place_id"],
    ):
        db.table("announcements").create_index(columns, if_not_exists=True)
    db.table("announcement_vendors").create_index(["vendor_id"], if_not_exists=True)
    db.table("announcement_technologies").create_index(["technology_id"], if_not_exists=True)
    db.table("announcements").enable_fts(
        ["title", "snippet", "site_name", "vendors", "city"],
        create_triggers=False,
        tokenize=search.TOKENIZE,
    )
