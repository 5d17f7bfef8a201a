"""Deployments have a life: each change of status is a dated event with the evidence behind it.

Run by the build after linking. Every evidence row gets its outcome (a council's decision:
approved, rejected, renewed, suspended, cancelled; an announcement or dataset row that tells of
an end: suspended, cancelled, decommissioned, rejected). A deployment's status then follows its
evidence in date order: procurement and observation stages advance it to the furthest stage
reached (planned, tendered, awarded, announced, operational), an end sets it to that end, and a
later approval, renewal, notice or observation in use resumes it. Each change is a row of
``deployment_events``; the last one is the deployment's status.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from functools import cache
from itertools import groupby
from typing import Any

import sqlite_utils

from crawlers.reference import reference_path
from registry.link import ANNOUNCED, NOTICE_STAGE, OPERATIONAL, STATUS_NAMES
from registry.rows import DeferredUpdate, insert_rows

OUTCOMES = ("approved", "rejected", "renewed", "suspended", "cancelled", "decommissioned")
ENDS = frozenset({"rejected", "suspended", "cancelled", "decommissioned"})
AWARDED = 3
# Action names of a vote when the passed flag is missing; the flag decides when it is there.
PASSED_ACTIONS = re.compile(
    r"(?i)\b(approv|adopt|pass|accept|authori[sz]|ratif|award|carried|enact|confirm)"
)
FAILED_ACTIONS = re.compile(r"(?i)\b(fail|den[iy]|reject|defeat|not (?:adopt|approv|pass))")
# The subject of a decision is read in this order: ending a programme is stronger evidence
# than the renewal or approval words a termination title also carries.
PRECEDENCE = ("decommissioned", "cancelled", "suspended", "rejected", "renewed")


@cache
def _outcome_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    with reference_path("outcome-words.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    patterns = []
    for outcome in PRECEDENCE:
        terms = [row["term"] for row in rows if row["outcome"] == outcome]
        alternatives = [_term_pattern(term) for term in terms]
        if alternatives:
            patterns.append((outcome, re.compile("|".join(alternatives), re.IGNORECASE)))
    return tuple(patterns)


def _term_pattern(term: str) -> str:
    """A whole-word pattern of a term; a trailing ``*`` makes it a prefix."""
    body = re.escape(term.rstrip("*")).replace(r"\ ", r"\s+")
    return rf"\b{body}\w*" if term.endswith("*") else rf"\b{body}\b"


def text_outcome(text: str | None) -> str | None:
    """The end or renewal a title tells of ("Redmond suspends Flock cameras": suspended)."""
    if not text:
        return None
    return next((outcome for outcome, pattern in _outcome_patterns() if pattern.search(text)), None)


def _told_end(title: str | None) -> str | None:
    """The end a title tells of, if any."""
    outcome = text_outcome(title)
    return outcome if outcome in ENDS else None


def decision_outcome(record: dict[str, Any]) -> str | None:
    """The outcome of a normalised notice that records a decision (a council vote, a records
    index's stated outcome); None for a notice that decides nothing or is not yet decided."""
    decision = record.get("decision")
    if not isinstance(decision, dict):
        return None
    stated = str(decision.get("outcome") or "").casefold()
    if stated in OUTCOMES:
        return stated
    flag, action = decision.get("passed_flag"), str(decision.get("action") or "")
    subject = text_outcome(record.get("title"))
    if flag == 0 or (flag is None and FAILED_ACTIONS.search(action)):
        # A council that votes down a termination keeps the programme: no change of status.
        return "rejected" if subject in (None, "renewed") else None
    if flag == 1 or PASSED_ACTIONS.search(action):
        return subject if subject in ENDS or subject == "renewed" else "approved"
    return None


def derive(db: sqlite_utils.Database) -> int:
    """Outcomes on evidence, ``deployment_events``, and every deployment's status; the count of
    events written."""
    # Only the few decided notices are written: a correlated subquery rewrote every notice's.
    db.execute(
        "UPDATE evidence SET outcome = n.outcome FROM notices n "
        "WHERE n.id = evidence.record_id AND evidence.kind = 'notice' AND n.outcome IS NOT NULL"
    )
    # One statement, not a list of every announcement's and dataset row's title: memory stays
    # flat in their number.
    db.conn.create_function("told_end", 1, _told_end, deterministic=True)
    db.execute(
        "UPDATE evidence SET outcome = told_end(title) "
        "WHERE kind != 'notice' AND told_end(title) IS NOT NULL"
    )
    rows = db.execute(
        "SELECT e.deployment_id, e.id, e.record_id, e.kind, e.detail, e.outcome, e.date, "
        "e.title, e.url, e.source, e.first_seen, e.licence, d.status FROM evidence e "
        "JOIN deployments d ON d.id = e.deployment_id "
        "ORDER BY e.deployment_id, coalesce(e.date, ''), e.first_seen, e.id"
    )
    events: list[dict[str, Any]] = []
    count = 0
    # Events come in deployment order, their ids in another: gathered apart and copied in id
    # order, the primary key's index is written in order instead of at random.
    db.execute("CREATE TEMP TABLE _events AS SELECT * FROM deployment_events WHERE 0")
    with DeferredUpdate(db.conn, "deployments", "id", ["status"]) as statuses:
        for deployment_id, group in groupby(rows, key=lambda row: row[0]):
            evidence = list(group)
            changes = _by_date(list(_timeline(evidence)))
            events.extend(changes)
            final = changes[-1]["status"] if changes else None
            if final and final != evidence[0][12]:
                statuses.add(deployment_id, final)
            if len(events) >= 5000:
                insert_rows(db.conn, "_events", events)
                count += len(events)
                events = []
        insert_rows(db.conn, "_events", events)
    with db.conn:
        db.execute("INSERT INTO deployment_events SELECT * FROM _events ORDER BY id")
        db.execute("DROP TABLE _events")
    return count + len(events)


def _timeline(evidence: list[tuple]) -> Iterator[dict[str, Any]]:
    reached, status = 0, None
    for (deployment_id, evidence_id, record_id, kind, detail, outcome, date, title, url,
         source, first_seen, licence, _) in evidence:  # fmt: skip
        if outcome in ENDS:
            new = outcome
        else:
            resumes = outcome in ("approved", "renewed") or kind != "announcement"
            if status in ENDS and not resumes:
                continue
            reached = max(reached, _stage(kind, detail, outcome))
            new = STATUS_NAMES[reached]
        if new == status:
            continue
        yield {
            "id": f"x:{record_id}",
            "deployment_id": deployment_id,
            "date": date,
            "status": new,
            "previous_status": status,
            "outcome": outcome,
            "evidence_id": evidence_id,
            "kind": kind,
            "title": title,
            "url": url,
            "source": source,
            "first_seen": first_seen,
            "licence": licence,
        }
        status = new


def _by_date(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One change per date: evidence of one day (a vote and its attachments) is one event,
    the day's last status with the status before that day."""
    merged: list[dict[str, Any]] = []
    for change in changes:
        if merged and change["date"] is not None and merged[-1]["date"] == change["date"]:
            change = {**change, "previous_status": merged[-1]["previous_status"]}
            merged[-1] = change
            if change["status"] == change["previous_status"]:
                merged.pop()
            continue
        merged.append(change)
    return merged


def _stage(kind: str, detail: str | None, outcome: str | None) -> int:
    if outcome in ("approved", "renewed"):
        return AWARDED
    if kind == "announcement":
        return ANNOUNCED
    if kind == "dataset_row":
        return OPERATIONAL
    return NOTICE_STAGE.get(detail or "", 2)
