"""The News & Observer "Private Eyes" data on Flock Safety ALPR (MIT; credit The News & Observer).

Four CSVs of github.com/mcclatchy-southeast/private_eyes: ``latest_usage*.csv``, the last scrape of
each agency's Flock transparency portal (retention, cameras, who may search, usage in 30 days);
``agency_policies.csv``, an earlier scrape (2023) of the same portals' policy texts (what is and is
not detected, acceptable and prohibited uses, access and hotlist policy); ``agency*.csv``, the
paper's list of every Flock organisation it found (portals and their sharing lists) with its
cleaning notes; and ``nc_agency_survey*.csv``, the paper's survey of North Carolina agencies using
ALPR (of any vendor). Every row is an organisation running ALPR; ids are the paper's agency ids,
shared by all four files. Policies and usage are own rows, not joined: they were scraped on
different dates, and each row keeps its own date and document.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from crawlers.parsers.datasets.csvrows import RowProblem, header_of, read_rows, report

logger = logging.getLogger(__name__)

SOURCE = "flock-transparency"
USAGE, SURVEY = "flock-usage-csv", "flock-nc-survey-csv"
POLICIES, AGENCIES = "flock-policies-csv", "flock-agency-list-csv"
FORMATS = (USAGE, SURVEY, POLICIES, AGENCIES)
POLICY_FIELDS = {
    "detected": "whats_detected",
    "not_detected": "whats_not_detected",
    "acceptable_use": "acceptable_use_policy",
    "prohibited_uses": "prohibited_uses",
    "access": "access_policy",
    "hotlist": "hotlist_policy",
}
LICENCE = "MIT (credit: an analysis by The News & Observer)"
TECHNOLOGY = "ALPR"
STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)
# Portal names: "Avon IN PD", "Hendricks County IN SO", "Brownstown Twp PD MI", "... TF (OH)".
_STATE = re.compile(r"\(?\b([A-Z]{2})\b\)?")
_COUNTY = re.compile(r"\b(county|parish|borough)$", re.IGNORECASE)


def sniff(head: bytes) -> str | None:
    header = header_of(head)
    if "number_of_owned_cameras" in header and "agency" in header:
        return USAGE
    if "cams_confirmed" in header and "company" in header:
        return SURVEY
    if "acceptable_use_policy" in header and "agency" in header:
        return POLICIES
    # The agency list has only these three generic columns: nothing looser is claimed.
    if [c.strip('"') for c in header.split(",")] == ["id", "name", "notes"]:
        return AGENCIES
    return None


def parse(
    data: bytes,
    url: str | None = None,
    format: str | None = None,
    problems: list[RowProblem] | None = None,
) -> Iterator[dict]:
    """Items of one of the four CSVs (``format`` as ``sniff`` names it)."""
    format = format or sniff(data[:8192]) or USAGE
    name = url or f"{format}.csv"
    if format == SURVEY:
        rows = read_rows(data, name, ("id", "name", "company"), problems)
        build = _survey_item
    elif format == POLICIES:
        rows = _latest_scrape(read_rows(data, name, ("id", "agency"), problems), name)
        build = _policy_item
    elif format == AGENCIES:
        rows = read_rows(data, name, ("id", "name"), problems)
        build = _agency_item
    else:
        rows = read_rows(data, name, ("id", "agency", "number_of_owned_cameras"), problems)
        build = _usage_item
    for line, row in rows:
        if not row.get("id"):
            report(problems, RowProblem(name, line, "no agency id"))
            continue
        yield build(row, line)


def _usage_item(row: dict[str, str | None], line: int) -> dict:
    agency = row["agency"]
    return {
        **_common(row, line, "usage", USAGE, agency),
        "url": row.get("url"),
        "title": f"{agency}: Flock Safety ALPR",
        "description": None,
        "place": agency_place(agency),
        "vendors_raw": ["Flock Safety"],
        "quantities": _quantities((row.get("number_of_owned_cameras"), "cameras")),
        "links": [{"url": row["url"], "type": "Flock transparency portal"}]
        if row.get("url")
        else [],
        "date_raw": row.get("updated"),
        "retention_raw": row.get("data_retention_in_days"),
        "external_organizations": _list(row.get("external_organizations_with_access")),
        "hotlists": _list(row.get("hotlists_alerted_on")),
        "vehicles_detected_30d_raw": row.get("vehicles_detected_in_the_last_30_days"),
        "hotlist_hits_30d_raw": row.get("hotlist_hits_in_the_last_30_days"),
        "searches_30d_raw": row.get("searches_in_the_last_30_days"),
        "public_search_audit_raw": row.get("public_search_audit"),
        "accessed_raw": row.get("accessed"),
    }


def _survey_item(row: dict[str, str | None], line: int) -> dict:
    agency = row["name"]
    links = [
        {"url": u, "type": t}
        for u, t in (
            (row.get("flock_portal_url"), "Flock transparency portal"),
            (row.get("document_url"), "document"),
        )
        if u
    ]
    return {
        **_common(row, line, "nc-survey", SURVEY, agency),
        "url": row.get("flock_portal_url") or row.get("document_url"),
        "title": f"{agency}: ALPR ({row.get('company') or 'vendor unknown'})",
        "description": row.get("notes"),
        "agency_type": row.get("type"),
        "place": {
            "city": row.get("city"),
            "county": row.get("county"),
            "state": "NC",
            "country": "US",
        },
        "vendors_raw": [row["company"]] if row.get("company") else [],
        "quantities": _quantities(
            (row.get("cams_confirmed"), "cameras (confirmed)"),
            (row.get("cams_portal"), "cameras (portal)"),
        ),
        "links": links,
        "date_raw": None,
    }


def _policy_item(row: dict[str, str | None], line: int) -> dict:
    agency = row["agency"]
    policy: dict[str, str | list[str] | None] = {
        key: row.get(column) for key, column in POLICY_FIELDS.items()
    }
    for key in ("detected", "not_detected"):
        policy[key] = _list(row.get(POLICY_FIELDS[key]))
    return {
        **_common(row, line, "policy", POLICIES, agency),
        "url": row.get("url"),
        "title": f"{agency}: Flock Safety ALPR policy",
        "description": None,
        "place": agency_place(agency),
        "vendors_raw": ["Flock Safety"],
        "quantities": [],
        "links": [{"url": row["url"], "type": "Flock transparency portal"}]
        if row.get("url")
        else [],
        "date_raw": row.get("updated"),
        "accessed_raw": row.get("accessed"),
        "policy_hash": row.get("hash"),
        "policy": policy,
    }


def _agency_item(row: dict[str, str | None], line: int) -> dict:
    agency = row["name"]
    return {
        **_common(row, line, "agency", AGENCIES, agency),
        "url": None,
        "title": f"{agency}: Flock Safety ALPR (N&O agency list)",
        # The paper's cleaning note ("Duplicate of ...", "added from ex org check").
        "description": row.get("notes"),
        "place": agency_place(agency),
        "vendors_raw": ["Flock Safety"],
        "quantities": [],
        "links": [],
        "date_raw": None,
    }


def _latest_scrape(
    rows: Iterator[tuple[int, dict[str, str | None]]], name: str
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """One row per agency id: the policy file repeats a portal once per day it was scraped."""
    latest: dict[str, tuple[int, dict[str, str | None]]] = {}
    for line, row in rows:
        key = row.get("id") or f"line {line}"  # rows without an id are reported by the caller
        kept = latest.get(key)
        # ISO 8601 timestamps sort as text; a later line wins a tie or a missing date.
        if kept is not None and (row.get("updated") or "") < (kept[1].get("updated") or ""):
            kept, (line, row) = (line, row), kept
        if kept is not None:
            logger.info("earlier scrape skipped: file=%s line=%d id=%s", name, kept[0], key)
        latest[key] = (line, row)
    yield from latest.values()


def _common(
    row: dict[str, str | None], line: int, prefix: str, format: str, agency: str | None
) -> dict:
    return {
        "kind": "dataset_row",
        "source": SOURCE,
        "source_id": f"{prefix}/{row['id']}",
        "dataset": format,
        "line": line,
        "agency": agency,
        "technologies_raw": [TECHNOLOGY],
        "licence": LICENCE,
    }


def agency_place(agency: str | None) -> dict:
    """City or county and state read from a portal's agency name ("Avon IN PD")."""
    place = {"city": None, "county": None, "state": None, "country": "US"}
    if not agency:
        return place
    states = [m for m in _STATE.finditer(agency) if m.group(1) in STATES]
    if not states:
        return place
    found = states[-1]
    place["state"] = found.group(1)
    name = agency[: found.start()].strip()
    # "Brownstown Twp PD MI": the agency type sits between the name and the state.
    name = re.sub(r"\s+(PD|SO|DA|TF)$", "", name).strip()
    if name:
        place["county" if _COUNTY.search(name) else "city"] = name
    return place


def _quantities(*pairs: tuple[str | None, str]) -> list[dict]:
    return [{"count": count, "of": of} for count, of in pairs if count is not None]


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]
