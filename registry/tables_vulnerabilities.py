"""The ``vendor_vulnerabilities`` table: CISA KEV entries of the registry's vendors' products.

A vendor's security record: each vulnerability CISA lists as exploited in the wild, matched to a
vendor through its aliases. Entries of other vendors stay in the crawl store only. Call
``create`` after ``schema.create``, ``load`` after the vendors are loaded, ``index`` at the end.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from registry import schema
from registry.links import safe_link
from registry.normalise.vulnerability import normalise_vulnerability

logger = logging.getLogger(__name__)
BATCH = 2000

COLUMNS = {
    "id": str,
    "vendor_id": str,
    "vendor_project": str,
    "product": str,
    "vulnerability_name": str,
    "description": str,
    "date_added": str,
    "due_date": str,
    "required_action": str,
    "known_ransomware_use": str,
    "cwes": str,
    "url": str,
    "source": str,
    **schema.PROVENANCE_COLUMNS,
}


def create(db: sqlite_utils.Database) -> None:
    """Create ``vendor_vulnerabilities`` (after ``schema.create``)."""
    db.table("vendor_vulnerabilities").create(
        COLUMNS,
        pk="id",
        foreign_keys=[("vendor_id", "vendors", "id"), ("source", "sources", "id")],
    )


def row(record: dict, stored: dict[str, Any]) -> dict:
    """The table row of a normalised vulnerability and its crawl-store metadata."""
    return {
        "id": record["cve"],
        "vendor_id": record["vendor"],
        "vendor_project": record.get("vendor_project"),
        "product": record.get("product"),
        "vulnerability_name": record.get("title"),
        "description": record.get("description"),
        "date_added": record.get("published"),
        "due_date": record.get("due_date"),
        "required_action": record.get("required_action"),
        "known_ransomware_use": record.get("known_ransomware_use"),
        "cwes": " ".join(record.get("cwes") or []) or None,
        "url": safe_link(record.get("url")),
        "source": record["source"],
        **schema.provenance(stored, record.get("licence")),
    }


def load(db: sqlite_utils.Database, stored_rows: Iterable[dict]) -> tuple[int, int, list[str]]:
    """Normalise crawl-store rows of kind ``vulnerability`` into the registry.

    Returns (rows written, entries of no registry vendor, failures as "source/id: reason").
    """
    known = {r["id"] for r in db.table("vendors").rows}
    rows: list[dict] = []
    elsewhere = 0
    failures: list[str] = []
    for stored in stored_rows:
        try:
            record = normalise_vulnerability(json.loads(stored["record"]))
        except Exception as exc:  # any bug costs this row, counted by the build, never the build
            failures.append(
                f"{stored['source']}/{stored['source_id']}: {type(exc).__name__}: {exc}"
            )
            logger.warning("vulnerability not built: id=%s reason=%s", stored["source_id"], exc)
            continue
        if record["vendor"] not in known:
            elsewhere += 1
            continue
        rows.append(row(record, stored))
    db.table("vendor_vulnerabilities").insert_all(rows, batch_size=BATCH, replace=True)
    return len(rows), elsewhere, failures


def index(db: sqlite_utils.Database) -> None:
    """Indexes for the vendor pages and the feed; run after ``load``."""
    for columns in (["vendor_id"], ["first_seen"], ["date_added"]):
        db.table("vendor_vulnerabilities").create_index(columns, if_not_exists=True)
