"""What the registry publishes: records plausibly about surveillance, decided at build time.

The crawl stores every record that parses; this is the one place that says which of them reach
``registry.db``. Improving the taxonomy or the vendor list brings back what an older one left
out with a rebuild, never a recrawl.
"""

from __future__ import annotations

from registry.normalise.technologies import NEAR_MISS_FACTOR, classify
from registry.normalise.vendors import vendors_in_text

# INPUTS (issue 15): evidence this weak is a keyword a near-miss term scaled down (a title keyword
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


def published_announcement(record: dict) -> bool:
    """A normalised article that ties a technology to a place or a vendor."""
    return bool(record["technologies"]) and bool(record["places"] or record["vendors"])
