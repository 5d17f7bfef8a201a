"""OpenStreetMap surveillance elements as CSV, the way people export them (ODbL 1.0).

overpass-turbo writes ``@type,@id,@lat,@lon`` then one column per tag; QGIS and GIS tools write
``X``/``Y`` and flatten tags as ``tags_surveillance:type``; spreadsheets save with semicolons,
``(empty)`` cells and, in a locale whose thousands separator is a dot, coordinates such as
``461.993.881`` (46.1993881 read as an integer). Such a coordinate is repaired when one decimal
position puts it among the file's intact coordinates (or alone in the valid range), and
reported as a row problem when not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from crawlers.parsers.datasets import osm
from crawlers.parsers.datasets.csvrows import (
    RowProblem,
    delimiter_of,
    header_of,
    read_rows,
    report,
)

FORMAT = "osm-csv"
LATITUDE = ("@lat", "lat", "latitude", "y")
LONGITUDE = ("@lon", "lon", "lng", "long", "longitude", "x")
IDENTIFIER = ("@id", "id", "osm_id", "osmid", "@osmid", "full_id")
ELEMENT_TYPE = ("@type", "type", "osm_type", "element_type")
# Export bookkeeping, not tags.
_META = frozenset(
    {"@timestamp", "@version", "@changeset", "@user", "@uid", "wkt", "geometry", "the_geom"}
)
_TAG_PREFIX = re.compile(r"^(?:tags?[_./]|tag:)", re.IGNORECASE)
# An OSM export names OSM keys; a header of only coordinates could be anything.
_OSM_COLUMN = re.compile(r"^(?:@type|@id|man_made|surveillance|camera:|tags?[_./])", re.IGNORECASE)
# One decimal mark, any sign: "46.2044", "-6,14".
_INTACT = re.compile(r"^[-+]?(\d{1,3})(?:[.,]\d+)?$")
# Digits grouped in threes by a dot or comma thousands separator, twice or more, or a long
# integer: what a spreadsheet makes of a coordinate it read as a whole number.
_DAMAGED = re.compile(r"^[-+]?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})+$|^[-+]?\d{5,}$")
MARGIN = 1.0  # degrees, beyond the intact coordinates' span, that a repaired one may fall in


def sniff(head: bytes) -> str | None:
    header = header_of(head)
    columns = [c.strip().strip('"').lower() for c in header.split(delimiter_of(header))]
    if not any(c in LATITUDE for c in columns) or not any(c in LONGITUDE for c in columns):
        return None
    if any(c in IDENTIFIER for c in columns) and any(_OSM_COLUMN.match(c) for c in columns):
        return FORMAT
    return None


def parse(
    data: bytes,
    url: str | None = None,
    area: str | None = None,
    problems: list[RowProblem] | None = None,
) -> Iterator[dict]:
    """Items of an OSM CSV export; ``area`` (the ISO 3166 code exported) sets the country."""
    name = url or "osm.csv"
    rows = list(read_rows(data, name, (), problems))
    if not rows:
        return
    columns = {c.lower(): c for c in rows[0][1]}
    lat_col = next(columns[c] for c in LATITUDE if c in columns)
    lon_col = next(columns[c] for c in LONGITUDE if c in columns)
    id_col = next((columns[c] for c in IDENTIFIER if c in columns), None)
    type_col = next((columns[c] for c in ELEMENT_TYPE if c in columns), None)
    meta = {lat_col, lon_col, id_col, type_col} | {c for c in rows[0][1] if c.lower() in _META}
    bounds = {lat_col: _bounds(rows, lat_col, 90.0), lon_col: _bounds(rows, lon_col, 180.0)}
    for line, row in rows:
        kind, number = _osm_id(row.get(id_col) if id_col else None, row.get(type_col or ""))
        if number is None:
            report(problems, RowProblem(name, line, "row without an OSM id"))
            continue
        coordinates = []
        for column, limit in ((lat_col, 90.0), (lon_col, 180.0)):
            raw = row.get(column)
            value, problem = _coordinate(raw, limit, bounds[column])
            if problem:
                report(problems, RowProblem(name, line, f"{column} {raw!r}: {problem}"))
            coordinates.append(value)
        tags = {
            _TAG_PREFIX.sub("", column): value
            for column, value in row.items()
            if column not in meta and value is not None
        }
        element = {
            "type": kind,
            "id": number,
            "lat": coordinates[0],
            "lon": coordinates[1],
            "tags": tags,
        }
        item = osm._item(element, area, line)
        item["dataset"] = FORMAT
        yield item


def _osm_id(raw: str | None, kind: str | None) -> tuple[str, int | None]:
    """("way", 5) from "way/5", "w5" or an id column with a type column beside it."""
    if not raw:
        return "node", None
    text = raw.strip()
    prefix, _, digits = text.rpartition("/")
    if not prefix and text[:1].lower() in "nwr" and text[1:].isdigit():
        prefix, digits = {"n": "node", "w": "way", "r": "relation"}[text[0].lower()], text[1:]
    element = (prefix or kind or "node").strip().lower()
    if element not in osm.ELEMENT_TYPES:
        element = "node"
    digits = digits.split(".")[0]  # a spreadsheet's "123.0"
    return element, int(digits) if digits.isdigit() else None


def _bounds(rows: list[tuple[int, dict]], column: str, limit: float) -> tuple[float, float] | None:
    """The span of a column's intact coordinates, which a repaired one must fall in."""
    values = []
    for _, row in rows:
        raw = (row.get(column) or "").strip()
        if _INTACT.match(raw) and not _DAMAGED.match(raw):
            value = float(raw.replace(",", "."))
            if abs(value) <= limit:
                values.append(value)
    if not values:
        return None
    # Readings of one damaged value differ tenfold: a margin as wide as the span tells them apart.
    margin = max(values) - min(values) + MARGIN
    return min(values) - margin, max(values) + margin


def _coordinate(
    raw: str | None, limit: float, bounds: tuple[float, float] | None
) -> tuple[str | None, str | None]:
    """(coordinate as written, or repaired; problem or None)."""
    if raw is None:
        return None, None
    text = raw.strip()
    if not _DAMAGED.match(text) or (_INTACT.match(text) and len(text.lstrip("+-")) < 5):
        return text, None
    sign = "-" if text.startswith("-") else ""
    digits = re.sub(r"\D", "", text)
    candidates = []
    for whole in range(1, 4):
        value = float(f"{sign}{digits[:whole]}.{digits[whole:] or 0}")
        if abs(value) > limit:
            continue
        if bounds is None or bounds[0] <= value <= bounds[1]:
            candidates.append(value)
    if len(candidates) == 1:
        return repr(candidates[0]), None
    if not candidates:
        return None, "not a coordinate"
    readings = " or ".join(f"{c:g}" for c in candidates)
    return None, f"damaged by a spreadsheet; could be {readings}: not repaired"
