"""What a normalised notice writes to the registry, worked out where it was normalised.

A build's workers hand the parent these rows, not the whole record: the parent, which writes
every row of the build alone, only adds the crawl store's provenance and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from registry import events
from registry.links import safe_link
from registry.normalise.places import place_by_id

# The keys beyond the notice contract that these rows read of a record: the build normalises
# only these (``normalise_record``'s ``extra_keys``).
EXTRA_KEYS = frozenset({"related_notices", "decision", "cameras"})


@dataclass(frozen=True, slots=True)
class NoticeRows:
    """The rows of one notice: its ``notices`` row without provenance, its place's ``places``
    row, and what its link tables need."""

    notice: dict[str, Any]
    place: dict[str, Any] | None
    suppliers: list[tuple[str, str | None]]  # (name as written, vendor id) per named supplier
    cpv: list[str]
    technologies: list[tuple[str, float | None]]  # (technology id, confidence)
    vendors: list[str]


def notice_rows(record: dict) -> NoticeRows:
    """The rows of a normalised notice, ``normalise_record``'s output."""
    confidence = record.get("technology_confidence") or {}
    return NoticeRows(
        notice=notice_row(record),
        place=record_place(record),
        suppliers=[
            (supplier["name"], supplier.get("vendor"))
            for supplier in record.get("suppliers") or []
            if supplier.get("name")
        ],
        cpv=record["cpv"],
        technologies=[(t, confidence.get(t)) for t in record["technologies"]],
        vendors=record["vendors"],
    )


def notice_row(record: dict) -> dict[str, Any]:
    """The ``notices`` row of a normalised record, up to its provenance columns."""
    notice_id = f"{record['source']}/{record['source_id']}"
    buyer = record.get("buyer") or {}
    value = record.get("value") or {}
    place = record_place(record)
    return {
        "id": notice_id,
        "source": record["source"],
        "source_id": record["source_id"],
        "procedure_id": record.get("procedure_id"),
        "deployment_id": None,
        "related_notices": " ".join(str(n) for n in record.get("related_notices") or []) or None,
        "url": safe_link(record.get("url")),
        "notice_type": record.get("notice_type"),
        "outcome": events.decision_outcome(record),
        "title": record.get("title") or "",
        "description": record.get("description"),
        "language": record.get("language"),
        "published": record.get("published"),
        "buyer_name": buyer.get("name"),
        "buyer_country": buyer.get("country"),
        "buyer_city": (place or {}).get("city") or buyer.get("city"),
        "place_id": (place or {}).get("id"),
        "cpv": " ".join(record["cpv"]),
        "main_cpv": record["cpv"][0] if record["cpv"] else None,
        "suppliers": "; ".join(s["name"] for s in record.get("suppliers") or [] if s.get("name")),
        "technologies": " ".join(record["technologies"]),
        "vendors": " ".join(record["vendors"]),
        "value_amount": value.get("amount"),
        "value_currency": value.get("currency"),
        "value_eur": record.get("value_eur"),
        "cameras": _count(record.get("cameras")),
    }


def _count(value: Any) -> int | None:
    """A camera count as a parser read it ("57", "1,200": a contract's order form), as a number."""
    if isinstance(value, str) and value.replace(",", "").strip().isdigit():
        value = int(value.replace(",", ""))
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def record_place(record: dict) -> dict | None:
    """The resolved place of a record's buyer, as a ``places`` row, if the build found one."""
    buyer = record.get("buyer") or {}
    # normalise_record resolves the buyer's place onto the buyer itself (place_id, coordinates).
    place_id = buyer.get("place_id")
    return _place_row(place_id) if isinstance(place_id, str) else None


@lru_cache(maxsize=65536)
def _place_row(place_id: str) -> dict | None:
    # Read, never changed, by its callers: a town's many notices share one row.
    place = place_by_id(place_id)
    return place.row() if place else None
