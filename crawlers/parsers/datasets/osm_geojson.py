"""OpenStreetMap surveillance elements as GeoJSON: overpass-turbo's export and DeFlock-style ALPR
inventories (a FeatureCollection of Points whose ``properties`` hold the OSM id and tags).

Tags come either flattened into ``properties`` (overpass-turbo, with ``@id`` "node/123") or
under ``properties.tags`` (alpr-sync's per-state files, with a numeric ``id`` and a ``state``).
Each feature becomes the same item as an Overpass JSON element (osm.py). ODbL 1.0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crawlers.parsers.datasets import osm
from crawlers.parsers.datasets.csvrows import RowProblem, report
from crawlers.parsers.errors import ParseError
from crawlers.parsers.jsonstream import iter_items

FORMAT = "osm-geojson"
# Feature properties that describe the feature, not OSM tags.
_META = frozenset({"@id", "id", "@type", "type", "tags", "state", "@relations", "@timestamp"})


def sniff(head: bytes) -> str | None:
    text = head[:65536].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("{") or '"Feature' not in text:
        return None
    if '"man_made"' in text or '"surveillance' in text:
        return FORMAT
    return None


def parse(
    data: bytes,
    url: str | None = None,
    area: str | None = None,
    problems: list[RowProblem] | None = None,
) -> Iterator[dict]:
    """Items of a GeoJSON FeatureCollection of OSM surveillance features."""
    name = url or "osm.geojson"
    position = 0
    try:
        for position, feature in enumerate(iter_items(data, "features.item"), start=1):
            element = _element(feature)
            if element is None:
                report(problems, RowProblem(name, position, "feature without an OSM id or point"))
                continue
            item = osm._item(element, area, position)
            item["dataset"] = FORMAT
            properties = feature.get("properties") if isinstance(feature, dict) else None
            if isinstance(properties, dict) and isinstance(properties.get("state"), str):
                item["place"]["state"] = properties["state"]
            yield item
    except ParseError as exc:
        raise ParseError(f"{name}: after feature {position}: {exc}") from exc


def _element(feature: Any) -> dict | None:
    """The Overpass element a feature stands for, or None without an id or coordinates."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        return None
    properties = feature["properties"]
    kind, number = _osm_id(properties.get("@id") or feature.get("id") or properties.get("id"))
    point = _point(feature.get("geometry"))
    if number is None or point is None:
        return None
    tags = properties.get("tags")
    if not isinstance(tags, dict):
        tags = {k: v for k, v in properties.items() if k not in _META and v is not None}
    return {"type": kind, "id": number, "lon": point[0], "lat": point[1], "tags": tags}


def _osm_id(raw: Any) -> tuple[str, int | None]:
    """("node", 123) from "node/123" or a bare number (a Point feature is a node)."""
    kind, _, number = str(raw).rpartition("/") if raw is not None else ("", "", "")
    kind = kind if kind in osm.ELEMENT_TYPES else "node"
    return kind, int(number) if number.isdigit() else None


def _point(geometry: Any) -> tuple[float, float] | None:
    """A Point's (lon, lat), or the mean of a way's or area's vertices."""
    if not isinstance(geometry, dict):
        return None
    points: list = []
    stack = [geometry.get("coordinates")]
    while stack:
        value = stack.pop()
        if (
            isinstance(value, list)
            and len(value) >= 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
        ):
            points.append(value[:2])
        elif isinstance(value, list):
            stack.extend(value)
    if not points:
        return None
    return (
        sum(p[0] for p in points) / len(points),
        sum(p[1] for p in points) / len(points),
    )
