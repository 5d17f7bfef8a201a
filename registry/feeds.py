"""Feed filters and titles: a filter names a known value or the feed says which values it knows.

``vendor=Hikvision`` and ``technology=ALPR`` resolve case-insensitively through ids, names and
aliases to ``vendor=hikvision`` and ``technology=alpr`` (a redirect to the canonical URL); a value
that matches nothing known answers 400 listing the valid ones, never a silently empty
subscription. A valid value with no entry yet (``country=IS``) is a valid feed with zero entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crawlers.reference import load
from registry.events import ENDS
from registry.link import STATUS_NAMES
from registry.normalise.countries import to_alpha2
from registry.search import spellings

# The feeds (canned queries) and the filters each takes.
FEEDS: dict[str, tuple[str, ...]] = {
    "new_deployments": ("country", "city", "vendor", "technology"),
    "new_evidence": ("country", "city", "vendor", "technology"),
    "new_notices": ("country",),
    "new_status_changes": ("status", "country", "city", "vendor", "technology"),
}
# The thing each feed lists, after "New <technology>".
NOUNS = {
    "new_deployments": "deployments",
    "new_evidence": "evidence for {} deployments",
    "new_notices": "procurement notices",
}
MAX_LISTED = 60
# Every status a deployment can take: the stages it reaches, and the ends a decision gives it.
STATUSES = (*STATUS_NAMES.values(), *sorted(ENDS))


class FilterError(ValueError):
    """A filter value that names nothing the registry knows; the message lists valid values."""


@dataclass
class Known:
    """The values a filter takes: canonical value → its label, and every name → values."""

    labels: dict[str, str]
    names: dict[str, set[str]]

    def add(self, value: str, label: str, *names: Any) -> None:
        self.labels[value] = label
        for name in (value, label, *names):
            if name:
                self.names.setdefault(str(name).casefold(), set()).add(value)


async def known_values(db, name: str) -> Known:
    """The values of filter ``name`` with their labels and the names that resolve to them."""
    known = Known({}, {})
    if name == "status":
        for status in STATUSES:
            known.add(status, status)
    elif name == "technology":
        aliases = {
            t["id"]: (t.get("keywords") or {}).get("any") or []
            for t in load("taxonomy.yaml")["technologies"]
        }
        for row in (await db.execute("select id, label from technologies")).rows:
            known.add(row["id"], row["label"] or row["id"], *aliases.get(row["id"], []))
    elif name == "vendor":
        for row in (await db.execute("select id, name, aliases from vendors")).rows:
            known.add(row["id"], row["name"] or row["id"], *_json_list(row["aliases"]))
    elif name == "city":
        sql = "select id, city, label from places order by id"
        for row in (await db.execute(sql)).rows:
            known.add(row["id"], row["label"] or row["city"] or row["id"], row["city"])
        # Ids published before places were keyed on GeoNames ids ("gb/doncaster") still resolve.
        for row in (await db.execute("select alias, place_id from place_aliases")).rows:
            if row["place_id"] in known.labels:
                known.names.setdefault(row["alias"].casefold(), set()).add(row["place_id"])
    return known


def _json_list(value: Any) -> list:
    try:
        parsed = json.loads(value or "[]")
    except ValueError:
        return []
    return [p for p in parsed if isinstance(p, str)] if isinstance(parsed, list) else []


async def resolve(db, feed: str, args: dict[str, str]) -> dict[str, str]:
    """The feed's filters in canonical form; raises FilterError naming the valid values."""
    resolved = {}
    for name in FEEDS.get(feed, ()):
        value = (args.get(name) or "").strip()
        if value:
            resolved[name] = await _resolve_one(db, name, value)
    return resolved


async def _resolve_one(db, name: str, value: str) -> str:
    if name == "country":
        code = to_alpha2(value)
        if code:
            return code
        rows = (await db.execute("select distinct country from deployments order by 1")).rows
        listed = ", ".join(r[0] for r in rows if r[0])
        raise FilterError(
            f"country={value!r} is not a country: use an ISO 3166-1 alpha-2 code or a country "
            f"name (countries with deployments: {listed})"
        )
    known = await known_values(db, name)
    candidates: set[str] = set()
    for word in spellings(value):
        candidates |= known.names.get(word.casefold(), set())
    if len(candidates) == 1:
        return candidates.pop()
    options = sorted(candidates) if candidates else sorted(known.labels)
    listed = "; ".join(f"{v} ({known.labels[v]})" for v in options[:MAX_LISTED])
    more = f"; and {len(options) - MAX_LISTED} more" if len(options) > MAX_LISTED else ""
    problem = "could be any of" if candidates else "names nothing known; valid values are"
    raise FilterError(f"{name}={value!r} {problem}: {listed}{more}")


def _lower_first(label: str) -> str:
    # "Face recognition" reads "face recognition" mid-sentence; "CCTV and video" stays as it is.
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


async def title(db, feed: str, filters: dict[str, str]) -> str | None:
    """ "New face recognition deployments from Hikvision in DE", or None for other queries."""
    if feed not in NOUNS and feed != "new_status_changes":
        return None
    labels = {name: (await known_values(db, name)).labels for name in ("technology", "vendor")}
    what = filters.get("technology")
    what_text = _lower_first(labels["technology"].get(what, what)) if what else "surveillance"
    if feed == "new_status_changes":
        text = f"{what_text[:1].upper()}{what_text[1:]} deployments that changed status"
        if filters.get("status"):
            text += f" to {filters['status']}"
    else:
        noun = NOUNS[feed]
        text = f"New {noun.format(what_text)}" if "{}" in noun else f"New {what_text} {noun}"
    if filters.get("vendor"):
        text += f" from {labels['vendor'].get(filters['vendor'], filters['vendor'])}"
    if filters.get("city"):
        places = (await known_values(db, "city")).labels
        text += f" in {places.get(filters['city'], filters['city'])}"
    elif filters.get("country"):
        text += f" in {filters['country']}"
    return text
