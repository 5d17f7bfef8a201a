"""Open datasets as sources: EFF Atlas of Surveillance, N&O Flock data, OpenStreetMap cameras.

Each row becomes a ``dataset_row`` item, values as the source wrote them:

    kind="dataset_row",
    source ("atlas-of-surveillance" | "flock-transparency" | "osm-surveillance"),
    source_id (Atlas "AOS000012"; Flock "usage/<agency id>" | "nc-survey/<agency id>" |
               "policy/<agency id>" | "agency/<agency id>"; OSM "node/123"),
    dataset (format name), line (CSV line or element position),
    url|None (the row's own page: Flock portal, OSM element), title (built from the row's names),
    description|None, agency|None (agency or OSM operator),
    place: {city, county, state, country} (raw strings or None; Atlas and Flock are US-only),
    technologies_raw: [the source's technology names], vendors_raw: [names as written],
    quantities: [{count: raw string, of: "cameras" ...}], links: [{url, ...source, type, date}],
    licence, date_raw|None, latitude/longitude (OSM, raw), plus per-dataset extras
    (Atlas agency_type, jurisdiction_type; Flock retention_raw, external_organizations, hotlists,
    *_30d_raw, policy {detected, not_detected, acceptable_use, prohibited_uses, access, hotlist},
    policy_hash; OSM zone, surveillance, camera_type, tags). OSM comes as Overpass JSON, GeoJSON
    (overpass-turbo, DeFlock-style ALPR files) or CSV exports, all as the same items.

Rows that cannot be read are logged and appended to ``problems`` (file and line); a document
that cannot be read at all raises ParseError.
"""

from __future__ import annotations

from collections.abc import Iterator

from crawlers.parsers.datasets import atlas, flock, osm, osm_csv, osm_geojson
from crawlers.parsers.datasets.csvrows import RowProblem
from crawlers.parsers.errors import ParseError

FORMATS = (atlas.FORMAT, *flock.FORMATS, osm.FORMAT, osm_geojson.FORMAT, osm_csv.FORMAT)


def sniff(head: bytes) -> str | None:
    """The dataset format of a document from its first bytes, or None."""
    # GeoJSON before Overpass JSON: both name man_made and surveillance.
    return (
        atlas.sniff(head)
        or flock.sniff(head)
        or osm_geojson.sniff(head)
        or osm.sniff(head)
        or osm_csv.sniff(head)
    )


def parse(
    data: bytes,
    url: str | None = None,
    format: str | None = None,
    *,
    area: str | None = None,
    problems: list[RowProblem] | None = None,
) -> Iterator[dict]:
    """Items of one dataset document (format guessed from its content when not given)."""
    format = format or sniff(data[:65536])
    if format == atlas.FORMAT:
        return atlas.parse(data, url=url, problems=problems)
    if format in flock.FORMATS:
        return flock.parse(data, url=url, format=format, problems=problems)
    if format == osm.FORMAT:
        return osm.parse(data, url=url, area=area, problems=problems)
    if format == osm_geojson.FORMAT:
        return osm_geojson.parse(data, url=url, area=area, problems=problems)
    if format == osm_csv.FORMAT:
        return osm_csv.parse(data, url=url, area=area, problems=problems)
    raise ParseError(f"{url or 'document'}: not a known dataset format ({format!r})")
