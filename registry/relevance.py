"""What the registry publishes: records plausibly about surveillance, decided at build time.

The crawl stores every record that parses; this is the one place that says which of them reach
``registry.db``. Improving the taxonomy or the vendor list brings back what an older one left
out with a rebuild, never a recrawl.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from ahocorasick_rs import AhoCorasick

from crawlers.reference import reference_path
from registry.normalise.technologies import MAX_TEXT as CLASSIFIED_CHARS
from registry.normalise.technologies import (
    NEAR_MISS_FACTOR,
    classify,
    cpv_weights,
    fold_text,
    keyword_terms,
)
from registry.normalise.vendors import MAX_TEXT as VENDOR_CHARS
from registry.normalise.vendors import lower_text, text_names, vendors_in_text

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
    keywords, names = _anchors()
    if text and _found(keywords, fold_text(text[:CLASSIFIED_CHARS])):
        return True
    return _found(names, _spaced(lower_text(named[:VENDOR_CHARS])))


def _notice_text(item: dict) -> tuple[str, str]:
    """The text classified (title and description) and the text searched for vendor names
    (with the suppliers' names)."""
    text = " ".join(str(item.get(k) or "") for k in ("title", "description"))
    suppliers = " ".join(
        str(s.get("name") or "") for s in item.get("suppliers") or [] if isinstance(s, dict)
    )
    return text, f"{text} {suppliers}"


def _spaced(text: str) -> str:
    """Runs of spaces and hyphens as one space, as vendor patterns read them (``[\\s\\-]+``)."""
    return " ".join(text.replace("-", " ").split())


@dataclass(frozen=True)
class _Terms:
    automaton: AhoCorasick
    shapes: list[str]  # "word", "prefix" (no boundary after) or "substring" (none at all)


def _found(terms: _Terms, text: str) -> bool:
    """Whether one of the terms is in the text, with the boundaries its pattern requires."""
    for index, start, end in terms.automaton.find_matches_as_indexes(text, overlapping=True):
        shape = terms.shapes[index]
        if shape == "substring":
            return True
        if start and _word_char(text[start - 1]):
            continue
        if shape == "word" and end < len(text) and _word_char(text[end]):
            continue
        return True
    return False


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches


@cache
def _anchors() -> tuple[_Terms, _Terms]:
    names: dict[str, str] = {}
    for name, shape in text_names().items():
        key = _spaced(lower_text(name))
        # A name given both ways is looked for the looser way.
        names[key] = "substring" if "substring" in (shape, names.get(key)) else shape
    return _terms(keyword_terms()), _terms(names)


def _terms(shapes: dict[str, str]) -> _Terms:
    ordered = sorted(term for term in shapes if term)
    return _Terms(AhoCorasick(ordered), [shapes[term] for term in ordered])


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
