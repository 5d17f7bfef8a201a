"""The one place that knows the registry's schema: tables, keys, link tables, indexes, FTS."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import sqlite_utils

from registry import search
from registry.links import safe_link

# Where every published record came from: when the crawl first saw it and saw it change, the
# document it was read from (URL and SHA-256), and the licence it is published under.
PROVENANCE_COLUMNS = {
    "first_seen": str,
    "last_changed": str,
    "document_url": str,
    "document_sha256": str,
    "licence": str,
}


def provenance(stored: Mapping[str, Any], licence: str | None) -> dict[str, Any]:
    """The provenance columns of a record's row, from its crawl-store row."""
    return {
        "first_seen": stored.get("first_seen"),
        "last_changed": stored.get("last_changed"),
        "document_url": safe_link(stored.get("document_url")),
        "document_sha256": stored.get("document_sha256"),
        "licence": licence,
    }


NOTICE_COLUMNS = {
    "id": str,
    "source": str,
    "source_id": str,
    "procedure_id": str,
    "deployment_id": str,
    "url": str,
    "notice_type": str,
    "outcome": str,
    "title": str,
    "description": str,
    "language": str,
    "published": str,
    "buyer_name": str,
    "buyer_country": str,
    "buyer_city": str,
    "place_id": str,
    "related_notices": str,
    "cpv": str,
    "main_cpv": str,
    "suppliers": str,
    "technologies": str,
    "vendors": str,
    "value_amount": float,
    "value_currency": str,
    "value_eur": float,
    "cameras": int,
    **PROVENANCE_COLUMNS,
}

# Full-text indexes over these columns; announcements and dataset_rows index theirs alike.
SEARCHABLE = {
    "notices": ["title", "description", "buyer_name", "suppliers"],
    "deployments": ["title", "buyer_name", "city", "vendors", "technologies"],
}

EXPECTED_TABLES = (
    "notices",
    "notice_cpv",
    "notice_technologies",
    "notice_vendors",
    "deployments",
    "evidence",
    "deployment_vendors",
    "deployment_technologies",
    "deployment_suppliers",
    "notice_suppliers",
    "suppliers",
    "place_aliases",
    "vendors",
    "technologies",
    "places",
    "sources",
    "dataset_rows",
    "announcements",
    "deployment_markers",
    "deployment_events",
    "corrections",
    "maintainer_alerts",
    "vendor_vulnerabilities",
)


def create(db: sqlite_utils.Database) -> None:
    """Create every table of a fresh registry."""
    db.table("sources").create(
        {
            "id": str,
            "name": str,
            "licence": str,
            "licence_url": str,
            "records": int,
            "health": str,
            "problems": str,
            "last_run": str,
            "last_successful_crawl": str,
        },
        pk="id",
    )
    db.table("places").create(
        {
            "id": str,
            "city": str,
            "country": str,
            "admin1": str,
            "admin1_name": str,
            "admin2": str,
            "kind": str,
            "label": str,
            "latitude": float,
            "longitude": float,
            "geonames_id": int,
        },
        pk="id",
    )
    # Place ids published before ids were keyed on GeoNames ids ("gb/doncaster").
    db.table("place_aliases").create({"alias": str, "place_id": str}, pk="alias")
    db.table("vendors").create(
        {
            "id": str,
            "name": str,
            "country": str,
            "parent": str,
            "aliases": str,
            "flags": str,
            "notices": int,
        },
        pk="id",
    )
    db.table("technologies").create(
        {"id": str, "label": str, "description": str, "cpv": str}, pk="id"
    )
    db.table("deployments").create(
        {
            "id": str,
            "procedure_id": str,
            "title": str,
            "status": str,
            "buyer_name": str,
            "country": str,
            "city": str,
            "place_id": str,
            "place_label": str,
            "latitude": float,
            "longitude": float,
            "vendors": str,
            "suppliers": str,
            "technologies": str,
            "value_amount": float,
            "value_currency": str,
            "value_eur": float,
            "cameras": int,
            "note": str,
            "first_evidence": str,
            "last_evidence": str,
            "evidence_count": int,
            "first_seen": str,
            "link_rule": str,
            "year": int,
            "confidence": float,
            "confidence_rules": str,
            "verification": str,
        },
        pk="id",
        foreign_keys=[("place_id", "places", "id")],
    )
    db.table("suppliers").create(
        {"id": str, "name": str, "names": str, "vendor_id": str, "notices": int},
        pk="id",
        foreign_keys=[("vendor_id", "vendors", "id")],
    )
    db.table("notices").create(
        NOTICE_COLUMNS,
        pk="id",
        foreign_keys=[
            ("place_id", "places", "id"),
            ("source", "sources", "id"),
            ("deployment_id", "deployments", "id"),
        ],
    )
    db.table("evidence").create(
        {
            "id": str,
            "deployment_id": str,
            "kind": str,
            "record_id": str,
            "detail": str,
            "title": str,
            "url": str,
            "date": str,
            "document_sha256": str,
            "source": str,
            "link_rule": str,
            "outcome": str,
            "first_seen": str,
            "licence": str,
        },
        pk="id",
        foreign_keys=[
            ("deployment_id", "deployments", "id"),
            ("source", "sources", "id"),
        ],
    )
    db.table("deployment_events").create(
        {
            "id": str,
            "deployment_id": str,
            "date": str,
            "status": str,
            "previous_status": str,
            "outcome": str,
            "evidence_id": str,
            "kind": str,
            "title": str,
            "url": str,
            "source": str,
            "first_seen": str,
            "licence": str,
        },
        pk="id",
        foreign_keys=[
            ("deployment_id", "deployments", "id"),
            ("evidence_id", "evidence", "id"),
            ("source", "sources", "id"),
        ],
    )
    db.table("notice_cpv").create(
        {"notice_id": str, "cpv": str},
        pk=("notice_id", "cpv"),
        foreign_keys=[("notice_id", "notices", "id")],
    )
    create_facts(db, "notices", "notice_id")
    create_facts(db, "deployments", "deployment_id", confidence=False)
    for kind, table in (("notice", "notices"), ("deployment", "deployments")):
        db.table(f"{kind}_suppliers").create(
            {f"{kind}_id": str, "supplier_id": str},
            pk=(f"{kind}_id", "supplier_id"),
            foreign_keys=[(f"{kind}_id", table, "id"), ("supplier_id", "suppliers", "id")],
        )


def create_facts(
    db: sqlite_utils.Database, table: str, key: str, *, confidence: bool = True
) -> None:
    """The ``<kind>_technologies`` and ``<kind>_vendors`` link tables of a record table."""
    kind = key.removesuffix("_id")
    technology_columns: dict[str, type] = {key: str, "technology_id": str}
    if confidence:
        technology_columns["confidence"] = float
    db.table(f"{kind}_technologies").create(
        technology_columns,
        pk=(key, "technology_id"),
        foreign_keys=[(key, table, "id"), ("technology_id", "technologies", "id")],
    )
    db.table(f"{kind}_vendors").create(
        {key: str, "vendor_id": str},
        pk=(key, "vendor_id"),
        foreign_keys=[(key, table, "id"), ("vendor_id", "vendors", "id")],
    )


def create_corrections(db: sqlite_utils.Database, entries: list[dict]) -> None:
    """The public record of the corrections applied, and markers of retired deployment ids."""
    db.table("corrections").create(
        {"id": int, "action": str, "target": str, "reason": str, "date": str}, pk="id"
    )
    db.table("corrections").insert_all(
        {
            "id": number,
            "action": e["action"],
            "target": str(e.get("record") or e.get("deployment") or e.get("deployments")),
            "reason": e.get("reason") or e.get("note"),
            "date": e["date"],
        }
        for number, e in enumerate(entries, start=1)
    )
    db.table("deployment_markers").create(
        {"id": str, "state": str, "successors": str, "reason": str}, pk="id"
    )


def index(db: sqlite_utils.Database, indexed_apart: Collection[str] = ()) -> None:
    """Indexes for the facets and feeds, and full-text search; run after the bulk load.

    The tables of ``indexed_apart`` get their full-text index elsewhere (``registry.fulltext``).
    """
    for table, columns in (
        ("notices", ["buyer_country"]),
        ("notices", ["main_cpv"]),
        ("notices", ["buyer_name"]),
        ("notices", ["notice_type"]),
        ("notices", ["first_seen"]),
        ("notices", ["published"]),
        ("notices", ["procedure_id"]),
        ("notices", ["source"]),
        ("notices", ["deployment_id"]),
        ("notice_cpv", ["cpv"]),
        ("notice_technologies", ["technology_id"]),
        ("notice_vendors", ["vendor_id"]),
        ("evidence", ["deployment_id"]),
        ("deployments", ["country"]),
        ("deployments", ["status"]),
        ("deployments", ["first_seen"]),
        ("deployments", ["city"]),
        ("deployments", ["place_id"]),
        ("deployments", ["year"]),
        ("deployments", ["verification"]),
        ("deployments", ["confidence"]),
        ("notice_suppliers", ["supplier_id"]),
        ("deployment_suppliers", ["supplier_id"]),
        ("suppliers", ["vendor_id"]),
        ("place_aliases", ["place_id"]),
        # Facets under a country filter group by these: composite indexes keep them off scans.
        ("deployments", ["country", "city"]),
        ("deployments", ["country", "status"]),
        ("deployments", ["country", "year"]),
        ("evidence", ["kind"]),
        ("evidence", ["outcome"]),
        ("deployment_events", ["deployment_id"]),
        ("deployment_events", ["status", "first_seen"]),
        ("deployment_events", ["first_seen"]),
        ("deployment_events", ["evidence_id"]),
        ("evidence", ["first_seen"]),
        ("deployment_vendors", ["vendor_id"]),
        ("deployment_technologies", ["technology_id"]),
    ):
        db.table(table).create_index(columns, if_not_exists=True)
    for table, columns in SEARCHABLE.items():
        if table in indexed_apart:
            continue
        db.table(table).enable_fts(columns, create_triggers=False, tokenize=search.TOKENIZE)
