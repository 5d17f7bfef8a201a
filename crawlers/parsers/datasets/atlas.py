"""EFF Atlas of Surveillance CSV export (https://atlasofsurveillance.org/download.csv), CC BY 4.0.

One row per agency × technology, with up to three source links. The Atlas covers US agencies
only, so every row's country is "US". Rows repeat in the real export (AOS000002 twice, byte for
byte): an exact repeat is skipped; a different row under a used number gets ``NUMBER#2``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator

from crawlers.parsers.datasets.csvrows import RowProblem, header_of, read_rows, report

logger = logging.getLogger(__name__)

SOURCE = "atlas-of-surveillance"
FORMAT = "atlas-csv"
LICENCE = "CC BY 4.0 (Electronic Frontier Foundation and Reynolds School of Journalism)"
REQUIRED = ("AOSNUMBER", "Agency", "Technology")
LINK_FIELDS = ("Snapshot", "Source", "Type", "Date")


def sniff(head: bytes) -> str | None:
    header = header_of(head)
    return FORMAT if header.strip('"').startswith("AOSNUMBER") else None


def parse(
    data: bytes, url: str | None = None, problems: list[RowProblem] | None = None
) -> Iterator[dict]:
    """Items of an Atlas CSV; rows that cannot be read are reported in ``problems``."""
    name = url or "atlas.csv"
    seen: dict[str, list[str]] = {}
    for line, row in read_rows(data, name, REQUIRED, problems):
        number = row["AOSNUMBER"]
        if not number:
            report(problems, RowProblem(name, line, "no AOSNUMBER"))
            continue
        item = _item(row, line)
        digest = _digest(item)
        digests = seen.setdefault(number, [])
        if digest in digests:
            logger.info("repeated row skipped: file=%s line=%d id=%s", name, line, number)
            continue
        digests.append(digest)
        if len(digests) > 1:
            item["source_id"] = f"{number}#{len(digests)}"
        yield item


def _item(row: dict[str, str | None], line: int) -> dict:
    links: list[dict[str, str | None]] = []
    for n in (1, 2, 3):
        if link := row.get(f"Link {n}"):
            links.append(
                {
                    "url": link,
                    **{field.lower(): row.get(f"Link {n} {field}") for field in LINK_FIELDS},
                }
            )
    other = row.get("Other Links")
    links.extend({"url": u.strip()} for u in (other or "").split() if u.strip())
    agency, technology = row["Agency"], row["Technology"]
    return {
        "kind": "dataset_row",
        "source": SOURCE,
        "source_id": row["AOSNUMBER"],
        "dataset": FORMAT,
        "line": line,
        "url": None,
        "title": f"{agency or 'Unknown agency'}: {technology or 'unknown technology'}",
        "description": row.get("Summary"),
        "agency": agency,
        "agency_type": row.get("Type of LEA"),
        "jurisdiction_type": row.get("Type of Juris"),
        "place": {
            "city": row.get("City"),
            "county": row.get("County"),
            "state": row.get("State"),
            "country": "US",
        },
        "technologies_raw": [technology] if technology else [],
        "vendors_raw": [row["Vendor"]] if row.get("Vendor") else [],
        "quantities": [],
        "links": links,
        "licence": LICENCE,
        "date_raw": next((link["date"] for link in links if link.get("date")), None),
    }


def _digest(item: dict) -> str:
    body = {k: v for k, v in item.items() if k != "line"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
