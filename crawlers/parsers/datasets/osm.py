"""OpenStreetMap ``man_made=surveillance`` elements from the Overpass API, ODbL 1.0.

Overpass answers ``{"version", "osm3s", "elements": [...]}``; saved extracts are often the bare
``elements`` array. Both are streamed with ijson. One item per element, keyed ``node/123``; the
build aggregates them to places (count by ``surveillance:type`` and operator).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from crawlers.parsers.datasets.csvrows import RowProblem, report
from crawlers.parsers.errors import ParseError
from crawlers.parsers.jsonstream import iter_items

logger = logging.getLogger(__name__)

SOURCE = "osm-surveillance"
FORMAT = "osm-overpass-json"
LICENCE = "ODbL 1.0 (© OpenStreetMap contributors)"
ELEMENT_TYPES = ("node", "way", "relation")


def sniff(head: bytes) -> str | None:
    text = head[:65536].decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith(("{", "[")) or '"man_made"' not in text:
        return None
    if '"surveillance"' in text and any(f'"{t}"' in text for t in ELEMENT_TYPES):
        return FORMAT
    return None


def parse(
    data: bytes,
    url: str | None = None,
    area: str | None = None,
    problems: list[RowProblem] | None = None,
) -> Iterator[dict]:
    """Items of an Overpass JSON answer; ``area`` (the ISO 3166 code queried) sets the country."""
    name = url or "overpass.json"
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start not in (b"[", b"{"):
        raise ParseError(f"{name}: not JSON (starts with {start!r})")
    prefix = "item" if start == b"[" else "elements.item"
    count = 0
    try:
        # Nesting is bounded and undecodable text refused here: ijson.items did neither.
        for count, element in enumerate(iter_items(data, prefix), start=1):
            if (
                not isinstance(element, dict)
                or element.get("type") not in ELEMENT_TYPES
                or element.get("id") is None
            ):
                report(problems, RowProblem(name, count, "element without type or id"))
                continue
            yield _item(element, area, count)
    except ParseError as exc:
        raise ParseError(f"{name}: after element {count}: {exc}") from exc


def _item(element: dict, area: str | None, position: int) -> dict:
    tags = element.get("tags")
    if not isinstance(tags, dict):
        tags = {}
    center = element.get("center")
    if not isinstance(center, dict):
        center = {}
    osm_id = f"{element['type']}/{element['id']}"
    kind = tags.get("surveillance:type")
    country = (area or "").split("-")[0] or tags.get("addr:country")
    return {
        "kind": "dataset_row",
        "source": SOURCE,
        "source_id": osm_id,
        "dataset": FORMAT,
        "line": position,  # position of the element in the answer
        "url": f"https://www.openstreetmap.org/{osm_id}",
        "title": tags.get("name") or f"{kind or 'surveillance'} {osm_id}",
        "description": tags.get("description"),
        "agency": tags.get("operator"),
        "place": {
            "city": tags.get("addr:city"),
            "county": None,
            "state": None,
            "country": country or None,
        },
        "technologies_raw": [kind] if kind else [],
        "vendors_raw": [v for v in (tags.get("manufacturer"), tags.get("brand")) if v],
        "quantities": [{"count": tags.get("camera:count") or "1", "of": "cameras"}],
        "links": [{"url": f"https://www.openstreetmap.org/{osm_id}"}],
        "licence": LICENCE,
        "date_raw": tags.get("check_date") or tags.get("survey:date"),
        "latitude": element.get("lat", center.get("lat")),
        "longitude": element.get("lon", center.get("lon")),
        "zone": tags.get("surveillance:zone"),
        "surveillance": tags.get("surveillance"),
        "camera_type": tags.get("camera:type"),
        "tags": tags,
    }
