"""Source health from ``crawl_runs``, and the maintainer alerts it raises.

A source is broken when its last run did not finish, yields no records where the last good run
had some, when its error rate or its share of records missing required fields jumps, or when it
has not succeeded for longer than its cadence (``cadence_hours`` in sources.yaml).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from crawlers.store import CrawlStore, utcnow
from registry.sources import load_sources

# Absolute rises (in share of documents / records) over the last good run that count as a jump.
ERROR_JUMP = 0.2
MISSING_JUMP = 0.2
ALERT_COLUMNS = {
    "id": int,
    "source": str,
    "kind": str,
    "message": str,
    "run_id": int,
    "raised": str,
    "resolved": str,
}


@dataclass
class Health:
    """One source's health: its last run, last success and current problems (kind, message)."""

    source: str
    enabled: bool
    cadence_hours: float | None
    last_run: dict[str, Any] | None = None
    last_success: dict[str, Any] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.problems)


def records_seen(run: dict[str, Any]) -> int:
    """Records a run stored or confirmed (new, changed or unchanged)."""
    return sum(run.get(k) or 0 for k in ("records_new", "records_changed", "records_unchanged"))


def error_rate(run: dict[str, Any]) -> float:
    """Errors per document handled: errors / (successful responses + errors)."""
    statuses = json.loads(run.get("responses_by_status") or "{}")
    ok = sum(n for status, n in statuses.items() if status.startswith(("2", "304")))
    errors = run.get("errors") or 0
    return errors / (ok + errors) if ok + errors else 0.0


def missing_share(run: dict[str, Any]) -> float:
    """Share of records rejected for missing required fields or stored without a date."""
    rejected, seen = run.get("records_rejected") or 0, records_seen(run)
    # Dates are counted before the relevance filter drops items, which crawl_runs does not
    # count; capping at the records kept keeps the share a share.
    undated = min(run.get("records_missing_date") or 0, seen)
    return (rejected + undated) / (seen + rejected) if seen + rejected else 0.0


def judge(run: dict[str, Any], baseline: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Problems of one run compared with the last good run before it."""
    if run.get("finished") is None:
        return [("unfinished", f"run {run['id']} did not finish (still running, or killed)")]
    if run.get("finish_reason") != "finished":
        return [("unfinished", f"run {run['id']} ended as {run.get('finish_reason')!r}")]
    problems = []
    if baseline and not records_seen(run) and records_seen(baseline):
        problems.append(
            (
                "no-records",
                f"run {run['id']} yielded 0 records; last good run {baseline['id']} had "
                f"{records_seen(baseline)}",
            )
        )
    before = error_rate(baseline) if baseline else 0.0
    if error_rate(run) - before >= ERROR_JUMP:
        problems.append(
            ("errors", f"error rate {error_rate(run):.0%} in run {run['id']} (was {before:.0%})")
        )
    before = missing_share(baseline) if baseline else 0.0
    if missing_share(run) - before >= MISSING_JUMP:
        problems.append(
            (
                "missing-fields",
                f"{missing_share(run):.0%} of records missing required fields in run "
                f"{run['id']} (was {before:.0%})",
            )
        )
    return problems


def source_health(store: CrawlStore, now: dt.datetime | None = None) -> list[Health]:
    """The health of every enabled source and of every source that has runs, by source id."""
    now = now or dt.datetime.now(dt.UTC)
    config = load_sources()
    runs: dict[str, list[dict]] = {}
    for run in store.runs():
        runs.setdefault(run["source"], []).append(run)
    names = sorted({s for s, c in config.items() if c.get("enabled")} | set(runs))
    return [_health(name, config.get(name, {}), runs.get(name, []), now) for name in names]


def _health(name: str, config: dict, runs: list[dict], now: dt.datetime) -> Health:
    health = Health(name, bool(config.get("enabled")), config.get("cadence_hours"))
    baseline = None
    for run in runs:
        health.last_run, health.problems = run, judge(run, baseline)
        if not health.problems:
            health.last_success = run
            if records_seen(run):
                baseline = run
    if health.enabled and health.cadence_hours:
        if health.last_success is None:
            health.problems.append(("stale", "never succeeded"))
        else:
            age = now - dt.datetime.fromisoformat(health.last_success["finished"])
            if age > dt.timedelta(hours=health.cadence_hours):
                health.problems.append(
                    (
                        "stale",
                        f"no successful run for {age.total_seconds() / 3600:.0f}h "
                        f"(cadence {health.cadence_hours}h)",
                    )
                )
    return health


def record_alerts(store: CrawlStore, healths: list[Health]) -> list[dict[str, Any]]:
    """Raise an alert per new problem and resolve alerts whose problem is gone; returns new ones."""
    now, raised = utcnow(), []
    with store.transaction() as conn:
        for health in healths:
            open_alerts = dict(
                conn.execute(
                    "SELECT kind, id FROM alerts WHERE source = ? AND resolved IS NULL",
                    (health.source,),
                ).fetchall()
            )
            current = dict(health.problems)
            for kind, message in current.items():
                if kind not in open_alerts:
                    alert = {
                        "source": health.source,
                        "kind": kind,
                        "message": message,
                        "run_id": (health.last_run or {}).get("id"),
                        "raised": now,
                    }
                    conn.execute(
                        "INSERT INTO alerts (source, kind, message, run_id, raised) "
                        "VALUES (:source, :kind, :message, :run_id, :raised)",
                        alert,
                    )
                    raised.append(alert)
            for kind, alert_id in open_alerts.items():
                if kind not in current:
                    conn.execute("UPDATE alerts SET resolved = ? WHERE id = ?", (now, alert_id))
    return raised


def copy_alerts(store: CrawlStore, db: sqlite_utils.Database) -> int:
    """Copy the crawl store's alerts into the registry as ``maintainer_alerts``; returns count."""
    table = db.table("maintainer_alerts")
    table.create(ALERT_COLUMNS, pk="id", if_not_exists=True)
    rows = list(store.db.table("alerts").rows_where(order_by="id"))
    table.insert_all(rows)
    return len(rows)


def format_table(healths: list[Health]) -> str:
    """The ``survreg status`` table: one line per source, then one line per problem."""
    lines = [
        f"{'source':26} {'health':7} {'last run':25} {'last success':25} "
        f"{'new':>5} {'chg':>5} {'same':>5} {'rej':>4} {'err':>4}"
    ]
    for h in healths:
        run = h.last_run or {}
        state = "BROKEN" if h.broken else ("ok" if h.enabled else "off")
        lines.append(
            f"{h.source:26} {state:7} {run.get('started') or '-':25} "
            f"{(h.last_success or {}).get('finished') or '-':25} "
            f"{run.get('records_new') or 0:5} {run.get('records_changed') or 0:5} "
            f"{run.get('records_unchanged') or 0:5} {run.get('records_rejected') or 0:4} "
            f"{run.get('errors') or 0:4}"
        )
    lines += [f"  {h.source}: {kind}: {message}" for h in healths for kind, message in h.problems]
    return "\n".join(lines)
