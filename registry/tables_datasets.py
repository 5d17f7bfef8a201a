"""The ``dataset_rows`` table: rows of open datasets (Atlas, Flock, OpenStreetMap) with licences.

OpenStreetMap elements are published aggregated: one row per place × surveillance:type × operator
with the camera count and the element ids behind it. Flock's own and retired accounts (records
flagged ``internal``) are left out and counted as skipped. Call ``create`` after ``schema.create``,
``load`` after the notices (it adds places the notices did not), ``index`` at the end.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlite_utils

from registry import schema, search
from registry.links import safe_link
from registry.normalise.dataset_row import normalise_dataset_row

logger = logging.getLogger(__name__)
BATCH = 2000

COLUMNS = {
    "id": str,
    "source": str,
    "source_id": str,
    "dataset": str,
    "title": str,
    "description": str,
    "agency": str,
    "url": str,
    "place_id": str,
    "city": str,
    "county": str,
    "state": str,
    "country": str,
    "latitude": float,
    "longitude": float,
    "technologies": str,
    "technologies_raw": str,
    "vendors": str,
    "vendors_raw": str,
    "camera_count": int,
    "quantities": str,
    "links": str,
    "date": str,
    "date_raw": str,
    "retention_days": int,
    "shared_with": int,
    "policy": str,
    "element_count": int,
    "osm_ids": str,
    **schema.PROVENANCE_COLUMNS,
}


def create(db: sqlite_utils.Database) -> None:
    """Create ``dataset_rows`` and its link tables (after ``schema.create``)."""
    db.table("dataset_rows").create(
        COLUMNS, pk="id", foreign_keys=[("place_id", "places", "id"), ("source", "sources", "id")]
    )
    schema.create_facts(db, "dataset_rows", "dataset_row_id", confidence=False)


def row(record: dict, stored: dict[str, Any]) -> dict:
    """The ``dataset_rows`` row of a normalised record and its crawl-store metadata."""
    place, raw = record.get("place") or {}, record.get("place_raw") or {}
    osm = record["source"] == "osm-surveillance"
    return {
        "id": record["group"],
        "source": record["source"],
        "source_id": record["group"].split("/", 1)[1] if osm else record["source_id"],
        "dataset": record.get("dataset"),
        "title": _osm_title(record) if osm else record["title"],
        "description": None if osm else record.get("description"),
        "agency": record.get("agency"),
        "url": None if osm else safe_link(record.get("url")),
        "place_id": place.get("id"),
        "city": place.get("city") or raw.get("city"),
        "county": raw.get("county"),
        "state": raw.get("state") or place.get("admin1"),
        "country": record.get("country"),
        # A place's point for aggregates; the row's own point otherwise.
        "latitude": place.get("latitude") if osm else record.get("latitude"),
        "longitude": place.get("longitude") if osm else record.get("longitude"),
        "technologies": " ".join(record["technologies"]),
        "technologies_raw": "; ".join(record.get("technologies_raw") or []),
        "vendors": " ".join(record["vendors"]),
        "vendors_raw": "; ".join(record.get("vendors_raw") or []),
        "camera_count": record.get("camera_count"),
        "quantities": _json(record.get("quantities") or []),
        "links": _json([link for link in record.get("links") or [] if safe_link(link.get("url"))]),
        "date": record.get("date"),
        "date_raw": record.get("date_raw"),
        "retention_days": record.get("retention_days"),
        "shared_with": record.get("shared_with"),
        "policy": _json(record["policy"]) if record.get("policy") else None,
        "element_count": 1 if osm else None,
        "osm_ids": " ".join(record.get("osm_ids") or []) or None,
        **schema.provenance(stored, record["licence"]),
    }


# Stored rows to (row, normalised record) or (row, why it could not be normalised), in order.
Normalise = Callable[[Iterable[dict]], Iterator[tuple[dict, dict | str]]]


def normalised(stored_rows: Iterable[dict]) -> Iterator[tuple[dict, dict | str]]:
    """Each stored row with its normalised record, or the error that stopped it."""
    for stored in stored_rows:
        try:
            record: dict | str = normalise_dataset_row(json.loads(stored["record"]))
        except Exception as exc:  # any bug costs this row, counted by the build, never the build
            record = f"{type(exc).__name__}: {exc}"
        yield stored, record


def load(
    db: sqlite_utils.Database,
    stored_rows: Iterable[dict],
    skipped: list[str] | None = None,
    normalise: Normalise = normalised,
) -> tuple[int, list[str]]:
    """Normalise crawl-store rows of kind ``dataset_row`` into the registry.

    ``normalise`` gives each row's record (the build's workers, or ``normalised`` here).
    Returns (rows written, failures as "source/source_id: reason"); rows left out on purpose are
    logged and, when ``skipped`` is given, appended to it as "source/source_id: reason".
    """
    left_out: list[str] = []
    rows: dict[str, dict] = {}
    technologies: dict[str, set[str]] = {}
    vendors: dict[str, set[str]] = {}
    places: dict[str, dict] = {}
    failures: list[str] = []
    known_vendors = (
        {r["id"] for r in db.table("vendors").rows} if db.table("vendors").exists() else set()
    )
    known_techs = (
        {r["id"] for r in db.table("technologies").rows}
        if db.table("technologies").exists()
        else set()
    )
    for stored, record in normalise(stored_rows):
        if isinstance(record, str):
            failures.append(f"{stored['source']}/{stored['source_id']}: {record}")
            logger.warning(
                "dataset row not built: source=%s id=%s reason=%s",
                stored["source"],
                stored["source_id"],
                record,
            )
            continue
        if record["internal"]:
            left_out.append(f"{record['id']}: {record['internal_reason']}")
            logger.info(
                "dataset row skipped: id=%s agency=%s reason=%s",
                record["id"],
                record["agency"],
                record["internal_reason"],
            )
            continue
        new = row(record, stored)
        rows[new["id"]] = _merge(rows[new["id"]], new) if new["id"] in rows else new
        technologies.setdefault(new["id"], set()).update(
            t for t in record["technologies"] if t in known_techs
        )
        vendors.setdefault(new["id"], set()).update(
            v for v in record["vendors"] if v in known_vendors
        )
        if record.get("place"):
            places.setdefault(record["place"]["id"], record["place"])
    for aggregate in rows.values():
        if aggregate["element_count"]:
            n = aggregate["element_count"]
            aggregate["title"] += f": {n} mapped element{'s' if n > 1 else ''}"
    if left_out:
        logger.info("dataset rows skipped as Flock's own or retired accounts: %d", len(left_out))
    if skipped is not None:
        skipped.extend(left_out)
    db.table("places").insert_all(places.values(), pk="id", ignore=True)
    db.table("dataset_rows").insert_all(rows.values(), batch_size=BATCH)
    db.table("dataset_row_technologies").insert_all(
        (
            {"dataset_row_id": k, "technology_id": t}
            for k, ts in technologies.items()
            for t in sorted(ts)
        ),
        batch_size=BATCH,
    )
    db.table("dataset_row_vendors").insert_all(
        ({"dataset_row_id": k, "vendor_id": v} for k, vs in vendors.items() for v in sorted(vs)),
        batch_size=BATCH,
    )
    return len(rows), failures


def index(db: sqlite_utils.Database) -> None:
    """Facet indexes and full-text search of ``dataset_rows``; run after ``load``."""
    for table, columns in (
        ("dataset_rows", ["source"]),
        ("dataset_rows", ["country"]),
        ("dataset_rows", ["place_id"]),
        ("dataset_rows", ["state"]),
        ("dataset_rows", ["first_seen"]),
        ("dataset_row_technologies", ["technology_id"]),
        ("dataset_row_vendors", ["vendor_id"]),
    ):
        db.table(table).create_index(columns, if_not_exists=True)
    db.table("dataset_rows").enable_fts(
        [
            "title",
            "description",
            "agency",
            "city",
            "county",
            "vendors_raw",
            "technologies_raw",
            "policy",
        ],
        create_triggers=False,
        tokenize=search.TOKENIZE,
    )


def _merge(old: dict, new: dict) -> dict:
    """One aggregate of two rows sharing an id: counts add up, element ids accumulate."""
    merged = dict(old)
    merged["camera_count"] = (old["camera_count"] or 0) + (new["camera_count"] or 0) or None
    merged["element_count"] = (old["element_count"] or 1) + (new["element_count"] or 1)
    merged["osm_ids"] = " ".join(filter(None, (old["osm_ids"], new["osm_ids"])))
    merged["vendors_raw"] = "; ".join(
        dict.fromkeys(
            filter(None, [*old["vendors_raw"].split("; "), *new["vendors_raw"].split("; ")])
        )
    )
    merged["quantities"] = _json([{"count": merged["camera_count"], "of": "cameras"}])
    merged["first_seen"] = min(old["first_seen"], new["first_seen"])
    if new["last_changed"] > old["last_changed"]:
        for key in ("last_changed", "document_url", "document_sha256"):
            merged[key] = new[key]
    return merged


def _osm_title(record: dict) -> str:
    kind = (record.get("technologies_raw") or ["unspecified"])[0]
    where = (record.get("place") or {}).get("city") or f"{record.get('country') or '?'} unplaced"
    operator = record.get("agency") or "operator not tagged"
    return f"OpenStreetMap surveillance:type={kind}, {where} ({operator})"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
