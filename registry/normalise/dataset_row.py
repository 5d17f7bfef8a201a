"""Dataset rows (Atlas, Flock, OpenStreetMap) to public records: places, taxonomy, vendors, dates.

The record: kind, source, source_id, id ("source/source_id"), dataset, group (rows sharing a group
are one registry row: an OSM place × surveillance:type × operator; otherwise the id), url, title,
description, agency (redacted text; an OSM operator only when it names an organisation, else
"private operator"), internal (a Flock account of the vendor's own or a retired one, which the
registry leaves out) and internal_reason, place (resolved places row or None), place_raw, country
(alpha-2), technologies (taxonomy ids), technologies_raw, technologies_unmapped, vendors (ids),
vendors_raw, camera_count (int or None), quantities [{count: int|None, of}], links, licence,
date (ISO, or the year alone), date_raw, latitude/longitude (floats or None), retention_days,
shared_with (count of other organisations that may search), policy (Flock portal policy texts,
redacted, or None), osm_ids.
"""

from __future__ import annotations

import csv
import math
import re
from functools import cache
from typing import Any

from crawlers.reference import reference_path
from registry.normalise.countries import fold, to_alpha2
from registry.normalise.dates import parse_date
from registry.normalise.places import Place, nearest_place, resolve_place
from registry.normalise.redact import redact_text
from registry.normalise.vendors import resolve_vendor
from registry.sources import licence_of, load_sources

DATE_ORDER = {"atlas-of-surveillance": "MDY"}  # US sources write month first
# An OSM camera without an address belongs to the nearest gazetteer town within this distance.
NEAREST_KM = 25.0
_INTEGER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_YEAR = re.compile(r"\s*((?:19|20)\d\d)\s*$")
_RETENTION = re.compile(r"\s*(\d+)\s*days?\s*$", re.IGNORECASE)
PRIVATE_OPERATOR = "private operator"


def normalise_dataset_row(item: dict) -> dict:
    """The public record of a ``dataset_row`` item."""
    source = item["source"]
    raw_place = item.get("place") or {}
    latitude, longitude = (
        coordinate(item.get("latitude"), 90),
        coordinate(item.get("longitude"), 180),
    )
    place = _place(raw_place, latitude, longitude)
    country = (place.country if place else None) or to_alpha2(raw_place.get("country"))
    mapped, unmapped = technologies(source, item.get("technologies_raw") or [])
    context = " ".join(item.get("technologies_raw") or []) + " " + str(item.get("title") or "")
    vendors = [
        v for name in item.get("vendors_raw") or [] if (v := resolve_vendor(name, context=context))
    ]
    quantities = [
        {"count": count(q.get("count")), "of": q.get("of")} for q in item.get("quantities") or []
    ]
    record_id = f"{source}/{item['source_id']}"
    agency = (
        public_operator(item.get("agency"))
        if source == "osm-surveillance"
        else redact_text(item.get("agency")) or None
    )
    internal = internal_account(source, item.get("agency"))
    return {
        "kind": "dataset_row",
        "source": source,
        "source_id": item["source_id"],
        "id": record_id,
        "dataset": item.get("dataset"),
        "group": _group(item, agency, place, country) or record_id,
        "url": item.get("url"),
        "title": redact_text(item.get("title")) or record_id,
        "description": redact_text(item.get("description")) or None,
        "agency": agency,
        "internal": internal is not None,
        "internal_reason": internal,
        "place": _place_row(place),
        "place_raw": raw_place,
        "country": country,
        "technologies": list(dict.fromkeys(mapped)),
        "technologies_raw": list(item.get("technologies_raw") or []),
        "technologies_unmapped": unmapped,
        "vendors": list(dict.fromkeys(vendors)),
        "vendors_raw": list(item.get("vendors_raw") or []),
        "camera_count": next(
            (
                q["count"]
                for q in quantities
                if str(q["of"]).startswith("cameras") and q["count"] is not None
            ),
            None,
        ),
        "quantities": quantities,
        "links": list(item.get("links") or []),
        "licence": licence_of(source) if source in load_sources() else item.get("licence"),
        "date": _date(item.get("date_raw"), DATE_ORDER.get(source)),
        "date_raw": item.get("date_raw"),
        "latitude": latitude,
        "longitude": longitude,
        "retention_days": retention_days(item.get("retention_raw")),
        "shared_with": shared_with(item.get("external_organizations")),
        "policy": _policy(item.get("policy")),
        "osm_ids": [item["source_id"]] if source == "osm-surveillance" else [],
    }


def technologies(source: str, names: list[str]) -> tuple[list[str], list[str]]:
    """(taxonomy ids, names without one) for a source's own technology names."""
    table = _technology_table()
    mapped, unmapped = [], []
    for name in names:
        found = table.get((source, fold(str(name))))
        if found:
            mapped.append(found)
        else:
            unmapped.append(name)
    return mapped, unmapped


def count(raw: Any) -> int | None:
    """A count as written ("6", "1,200", 12) as an int; None for anything else."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if raw >= 0 else None
    if isinstance(raw, str) and (match := _INTEGER.fullmatch(raw.strip())):
        return int(match.group().replace(",", ""))
    return None


def coordinate(raw: Any, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (180) as float; "46,2044" (decimal comma) is read too."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            raw = float(text)
        except ValueError:
            return None
    if not isinstance(raw, int | float) or not math.isfinite(raw) or abs(raw) > limit:
        return None
    return float(raw)


def retention_days(raw: Any) -> int | None:
    """Days from "30 days"; None for "-Infinity days" (portals that state no limit) and blanks."""
    match = _RETENTION.match(raw) if isinstance(raw, str) else None
    return int(match.group(1)) if match else None


def shared_with(organisations: Any) -> int | None:
    """How many other organisations may search the data: the list's length, or a lone count."""
    if not isinstance(organisations, list) or not organisations:
        return None
    if len(organisations) == 1 and (n := count(organisations[0])) is not None:
        return n
    return len(organisations)


def public_operator(raw: Any) -> str | None:
    """An OSM ``operator`` tag as published: an organisation's name, else "private operator".

    The tag may name a private person, so only a name with an organisation word, a known
    organisation (operator-organisation-words.csv) or a known vendor is kept.
    """
    if not isinstance(raw, str) or not raw.strip():
        return None
    if not reads_as_organisation(raw):
        return PRIVATE_OPERATOR
    return redact_text(raw) or PRIVATE_OPERATOR


def reads_as_organisation(name: str) -> bool:
    """Whether a name has an organisation word, is a known organisation or names a vendor."""
    tokens, parts, names = _organisation_words()
    folded = fold(name)
    words = folded.split()
    return (
        folded in names
        or any(word in tokens for word in words)
        or any(part in word for word in words for part in parts)
        or resolve_vendor(name) is not None
    )


def internal_account(source: str, agency: Any) -> str | None:
    """Why a Flock row is the vendor's own or a retired account, or None for an agency's."""
    if source != "flock-transparency" or not isinstance(agency, str):
        return None
    return next(
        (reason for pattern, reason in _internal_patterns() if pattern.search(agency)), None
    )


def _policy(raw: Any) -> dict | None:
    if not isinstance(raw, dict):
        return None
    return {
        key: [redact_text(v) for v in value]
        if isinstance(value, list)
        else redact_text(value) or None
        for key, value in raw.items()
    }


def _date(raw: Any, order: str | None) -> str | None:
    if isinstance(raw, str) and (year := _YEAR.match(raw)):
        return year.group(1)
    return parse_date(raw, date_order=order)


def _place(raw: dict, latitude: float | None, longitude: float | None) -> Place | None:
    country = to_alpha2(raw.get("country")) if raw.get("country") else None
    state, county = raw.get("state"), raw.get("county")
    if raw.get("city"):
        place = resolve_place(raw["city"], country, region=state, county=county)
        if place:
            return place
    if county:
        # A town the gazetteer lacks, or a county's agency: the county is right, if coarser.
        named = county if re.search(r"(?i)\b(county|parish)\b", county) else f"{county} County"
        if place := resolve_place(named, country, region=state, counties=True):
            return place
    if latitude is not None and longitude is not None:
        return nearest_place(latitude, longitude, country, max_km=NEAREST_KM)
    return None


def _group(
    item: dict, operator: str | None, place: Place | None, country: str | None
) -> str | None:
    """OSM elements are published per place × surveillance:type × operator, not one by one."""
    if item["source"] != "osm-surveillance":
        return None
    area = place.id if place else f"{(country or 'xx').lower()}/unplaced"
    kind = (item.get("technologies_raw") or ["unspecified"])[0]
    # The published operator, never the raw tag: the group is the row's public id.
    operator = _slug(operator) or "unspecified"
    return f"osm-surveillance/{area}/{_slug(kind) or 'unspecified'}/{operator}"


def _slug(text: Any) -> str:
    return "-".join(fold(str(text or "")).split())[:80]


def _place_row(place: Place | None) -> dict | None:
    if place is None:
        return None
    return place.row()


@cache
def _technology_table() -> dict[tuple[str, str], str]:
    text = _reference("dataset-technologies.csv")
    return {
        (row["source"], fold(row["name"])): row["technology_id"]
        for row in csv.DictReader(text.splitlines())
        if row["technology_id"]
    }


@cache
def _organisation_words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(whole words, parts of compound words, whole names) that mark an organisation."""
    text = _reference("operator-organisation-words.csv")
    by_match: dict[str, set[str]] = {"token": set(), "part": set(), "name": set()}
    for row in csv.DictReader(text.splitlines()):
        by_match[row["match"]].add(fold(row["word"]))
    return (
        frozenset(by_match["token"]),
        frozenset(by_match["part"]),
        frozenset(by_match["name"]),
    )


@cache
def _internal_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    text = _reference("flock-internal-accounts.csv")
    return tuple(
        (re.compile(row["pattern"], re.IGNORECASE), row["reason"])
        for row in csv.DictReader(text.splitlines())
    )


def _reference(name: str) -> str:
    return reference_path(name).read_text("utf-8")
