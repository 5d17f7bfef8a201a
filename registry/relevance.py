"""What the registry publishes: records plausibly about surveillance, decided at build time.

The crawl stores every record that parses; this is the one place that says which of them reach
``registry.db``. Improving the taxonomy or the vendor list brings back what an older one left
out with a rebuild, never a recrawl.
"""

from __future__ import annotations

import csv
import re
from functools import cache

from crawlers.reference import reference_path
from registry.normalise.technologies import NEAR_MISS_FACTOR, classify
from registry.normalise.vendors import vendors_in_text

# Evidence this weak is a keyword that a near-miss term scaled down (a title keyword
# is worth 0.95, times NEAR_MISS_FACTOR); the weakest CPV anchor alone (35120000) is worth 0.3.
NEAR_MISS_CEILING = 0.95 * NEAR_MISS_FACTOR


def plausible_notice(item: dict) -> bool:
    """A notice that a taxonomy CPV code, keyword or known vendor ties to surveillance."""
    text = " ".join(str(item.get(k) or "") for k in ("title", "description"))
    cpv = [str(c) for c in item.get("cpv") or []]
    suppliers = " ".join(
        str(s.get("name") or "") for s in item.get("suppliers") or [] if isinstance(s, dict)
    )
    evidence = [score for _, score in classify(cpv, text)]
    if evidence and max(evidence) > NEAR_MISS_CEILING:
        return True
    return bool(vendors_in_text(f"{text} {suppliers}"))


def published_notice(record: dict) -> bool:
    """A normalised notice with at least one technology the classifier is sure enough of.

    A vendor's name or a weak surveillance word alone ("Empty Homes Security": steel doors and
    alarms; guard and concierge services that mention CCTV in passing) is a near miss.
    """
    return bool(record["technologies"])


def published_announcement(record: dict) -> bool:
    """A normalised article that ties a technology to a place.

    A vendor's page that names no place is marketing, not a deployment.
    """
    return bool(record["technologies"]) and bool(record["places"])


def without_boilerplate(text: str | None) -> str | None:
    """The text without the lines of cookie banners and page furniture, for snippets."""
    if not text:
        return text
    lines = [line for line in text.splitlines() if not _boilerplate().search(line)]
    return "\n".join(lines).strip() or None


@cache
def _boilerplate() -> re.Pattern[str]:
    with reference_path("boilerplate-phrases.csv").open(encoding="utf-8", newline="") as handle:
        phrases = [row["phrase"] for row in csv.DictReader(handle)]
    return re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE)
