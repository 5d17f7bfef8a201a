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
from registry.normalise.technologies import MAX_TEXT as CLASSIFIED_CHARS
from registry.normalise.technologies import (
    NEAR_MISS_FACTOR,
    classify,
    cpv_weights,
    fold_text,
    keyword_terms,
)
from registry.normalise.terms import Terms, found, terms
from registry.normalise.vendors import may_name_vendor, vendors_in_text

# Evidence this weak is a keyword that a near-miss term scaled down (a title keyword
# is worth 0.95, times NEAR_MISS_FACTOR); the weakest CPV anchor alone (35120000) is worth 0.3.
NEAR_MISS_CEILING = 0.95 * NEAR_MISS_FACTOR


def plausible_notice(item: dict) -> bool:
    """A notice that a taxonomy CPV code, keyword or known vendor ties to surveillance."""
    cpv = [str(c) for c in item.get("cpv") or []]
    # classify() gives a technology at least the weight of its strongest CPV code (evidence
    # combines as a noisy OR): a code this strong decides without reading the text.
    if any(weight > NEAR_MISS_CEILING for weight in cpv_weights(cpv).values()):
        return True
    text, named = _notice_text(item)
    evidence = [score for _, score in classify(cpv, text)]
    if evidence and max(evidence) > NEAR_MISS_CEILING:
        return True
    return bool(vendors_in_text(named))


def may_be_plausible(item: dict) -> bool:
    """False only for a notice that ``plausible_notice`` refuses, at a fraction of its cost.

    The CPV codes are read as ``classify`` reads them; the text is searched, in one
    Aho-Corasick pass each, for every strong keyword (folded as ``classify`` folds text) and
    every vendor name (lower-cased as ``vendors_in_text`` reads text), with the word boundaries
    their patterns require. A keyword that is negated or scaled down, or a vendor name without
    its context, still passes: the full test decides those.
    """
    cpv = [str(c) for c in item.get("cpv") or []]
    if any(weight > NEAR_MISS_CEILING for weight in cpv_weights(cpv).values()):
        return True
    text, named = _notice_text(item)
    if text and found(_keywords(), fold_text(text[:CLASSIFIED_CHARS])):
        return True
    return may_name_vendor(named)


def _notice_text(item: dict) -> tuple[str, str]:
    """The text classified (title and description) and the text searched for vendor names
    (with the suppliers' names)."""
    text = " ".join(str(item.get(k) or "") for k in ("title", "description"))
    suppliers = " ".join(
        str(s.get("name") or "") for s in item.get("suppliers") or [] if isinstance(s, dict)
    )
    return text, f"{text} {suppliers}"


@cache
def _keywords() -> Terms:
    return terms(keyword_terms())


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
