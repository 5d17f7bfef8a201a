"""CISA's Known Exploited Vulnerabilities catalog (its JSON feed): one ``vulnerability`` per CVE.

The catalog is CC0 1.0. Items keep the catalog's values as written; the catalog's own version and
release date are left out, so an entry that did not change stays unchanged in the crawl store when
CISA publishes a new release.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from crawlers.parsers.errors import ParseError
from crawlers.parsers.jsonstream import iter_items

SOURCE = "cisa-kev"
FORMAT = "cisa-kev-json"
FORMATS = (FORMAT,)
LICENCE = "CC0 1.0 (Cybersecurity and Infrastructure Security Agency)"
# The schema's cveID pattern (known_exploited_vulnerabilities_schema.json).
_CVE = re.compile(r"CVE-[0-9]{4}-[0-9]{4,19}")
_FIELDS = {
    "vendorProject": "vendor_project",
    "product": "product",
    "vulnerabilityName": "title",
    "shortDescription": "description",
    "dateAdded": "published",
    "dueDate": "due_date",
    "requiredAction": "required_action",
    "knownRansomwareCampaignUse": "known_ransomware_use",
    "notes": "notes",
}
logger = logging.getLogger(__name__)


def sniff(head: bytes) -> str | None:
    """The catalog is a JSON object with ``catalogVersion`` and ``vulnerabilities``."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"{" and b'"catalogVersion"' in head and b'"vulnerabilities"' in head:
        return FORMAT
    return None


def parse(data: bytes, url: str | None = None, format: str | None = None) -> Iterator[dict]:
    """Items of one catalog document; an entry without a valid ``cveID`` is logged and skipped."""
    name = url or "catalog"
    if not sniff(data[:65536]):
        raise ParseError(f"{name}: not a CISA KEV catalog (no catalogVersion and vulnerabilities)")
    for position, entry in enumerate(iter_items(data, "vulnerabilities.item")):
        cve = entry.get("cveID") if isinstance(entry, dict) else None
        if not isinstance(cve, str) or not _CVE.fullmatch(cve.strip()):
            logger.warning(
                "catalog entry skipped: file=%s position=%d no valid cveID", name, position
            )
            continue
        assert isinstance(entry, dict)
        cve = cve.strip()
        item: dict = {
            "kind": "vulnerability",
            "source": SOURCE,
            "source_id": cve,
            "cve": cve,
            "url": f"https://nvd.nist.gov/vuln/detail/{cve}",
            "licence": LICENCE,
        }
        for field, key in _FIELDS.items():
            value = entry.get(field)
            item[key] = value if isinstance(value, str) else None
        cwes = entry.get("cwes")
        item["cwes"] = [c for c in cwes if isinstance(c, str)] if isinstance(cwes, list) else []
        yield item
