"""Source health from ``crawl_runs``: one judgement behind ``survreg status``, the registry's
``sources`` table, a crawl's exit status and the maintainer alerts.

A run is judged against the last good run before it: it failed when it did not finish, fetched
nothing, yields no records where the last good run had some, or when its error rate or its share
of records missing a field its source's format has jumps. A source is stale when it has not
succeeded for longer than its cadence (``cadence_hours`` in sources.yaml). Dry runs (``--sample``)
are never judged; a source that has never really run is "not run yet", and one disabled in
sources.yaml (with its reason) is "disabled": neither is broken.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
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
    disabled: str | None = None
    last_run: dict[str, Any] | None = None
    last_success: dict[str, Any] | None = None
    last_dry_run: dict[str, Any] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.problems)

    @property
    def state(self) -> str:
        """What ``survreg status`` and the ``sources`` table say about the source."""
        if self.disabled:
            return "disabled"
        if self.broken:
            return "BROKEN"
        if self.last_run is None:
            return "not run yet" if self.enabled else "off"
        return "ok" if self.enabled else "off"


def is_dry_run(run: dict[str, Any]) -> bool:
    """A ``--sample`` run: a look at a source, never evidence of its health."""
    return json.loads(run.get("arguments") or "{}").get("sample") not in (None, "")


def records_seen(run: dict[str, Any]) -> int:
    """Records a run stored or confirmed (new, changed or unchanged)."""
    return sum(run.get(k) or 0 for k in ("records_new", "records_changed", "records_unchanged"))


def answered(run: dict[str, Any]) -> int:
    """Requests that got a document back (2xx, or 304 from the HTTP cache's revalidation)."""
    statuses = json.loads(run.get("responses_by_status") or "{}")
    return sum(n for status, n in statuses.items() if status.startswith(("2", "304")))


def error_rate(run: dict[str, Any]) -> float:
    """Errors per document handled: errors / (successful responses + errors)."""
    ok, errors = answered(run), run.get("errors") or 0
    return errors / (ok + errors) if ok + errors else 0.0


def missing_share(run: dict[str, Any], dated: bool = True) -> float:
    """Share of records rejected for missing required fields, or stored without a date when the
    source's format has one (``dated`` in sources.yaml)."""
    rejected, seen = run.get("records_rejected") or 0, records_seen(run)
    # Dates are counted before the relevance filter drops items, which crawl_runs does not
    # count; capping at the records kept keeps the share a share.
    undated = min(run.get("records_missing_date") or 0, seen) if dated else 0
    return (rejected + undated) / (seen + rejected) if seen + rejected else 0.0


def judge(
    run: dict[str, Any], baseline: dict[str, Any] | None, *, dated: bool = True
) -> list[tuple[str, str]]:
    """Problems of one run compared with the last good run before it."""
    if run.get("finished") is None:
        return [("unfinished", f"run {run['id']} did not finish (still running, or killed)")]
    if run.get("finish_reason") != "finished":
        return [("unfinished", f"run {run['id']} ended as {run.get('finish_reason')!r}")]
    problems = []
    if not answered(run):
        statuses = json.loads(run.get("responses_by_status") or "{}")
        got = ", ".join(f"{n} × HTTP {s}" for s, n in sorted(statuses.items())) or "no answer"
        problems.append(
            (
                "nothing-fetched",
                f"run {run['id']} fetched nothing: {run.get('requests') or 0} requests, {got}",
            )
        )
    if baseline and not records_seen(run) and records_seen(baseline):
        problems.append(
            (
                "no-records",
                f"run {run['id']} yielded 0 records; last good run {baseline['id']} had "
                f"{records_seen(baseline)}",
            )
        )
    before = error_rate(baseline) if baseline else 0.0
    # A run that fetched nothing has every error it could have: that is said above.
    if answered(run) and error_rate(run) - before >= ERROR_JUMP:
        problems.append(
            ("errors", f"error rate {error_rate(run):.0%} in run {run['id']} (was {before:.0%})")
        )
    before = missing_share(baseline, dated) if baseline else 0.0
    if missing_share(run, dated) - before >= MISSING_JUMP:
        problems.append(
            (
                "missing-fields",
                f"{missing_share(run, dated):.0%} of records missing required fields in run "
                f"{run['id']} (was {before:.0%})",
            )
        )
    return problems


def source_health(store: CrawlStore | None, now: dt.datetime | None = None) -> list[Health]:
    """The health of every enabled or disabled source and of every source that has runs, by id
    (``store`` None: nothing has been crawled yet)."""
    now = now or dt.datetime.now(dt.UTC)
    config = load_sources()
    runs: dict[str, list[dict]] = {}
    for run in store.runs() if store else []:
        runs.setdefault(run["source"], []).append(run)
    shown = {name for name, c in config.items() if c.get("enabled") or c.get("disabled")}
    names = sorted(shown | set(runs))
    return [_health(name, config.get(name, {}), runs.get(name, []), now) for name in names]


def judge_run(store: CrawlStore, run_id: int) -> list[tuple[str, str]]:
    """The problems of one run, a dry run too, against the last good real run before it."""
    run = store.db.table("crawl_runs").get(run_id)
    dated = bool(load_sources().get(run["source"], {}).get("dated"))
    baseline = None
    for earlier, problems in _judged(store.runs(run["source"]), dated):
        if earlier["id"] >= run_id:
            break
        if not problems and records_seen(earlier):
            baseline = earlier
    return judge(run, baseline, dated=dated)


def _judged(runs: list[dict], dated: bool) -> Iterator[tuple[dict, list[tuple[str, str]]]]:
    """Each real run with its problems against the last good run before it."""
    baseline = None
    for run in runs:
        if is_dry_run(run):
            continue
        problems = judge(run, baseline, dated=dated)
        yield run, problems
        if not problems and records_seen(run):
            baseline = run


def _health(name: str, config: dict, runs: list[dict], now: dt.datetime) -> Health:
    disabled = config.get("disabled")
    health = Health(
        name, bool(config.get("enabled")) and not disabled, config.get("cadence_hours"), disabled
    )
    dry = [run for run in runs if is_dry_run(run)]
    health.last_dry_run = dry[-1] if dry else None
    for run, problems in _judged(runs, bool(config.get("dated"))):
        health.last_run, health.problems = run, problems
        if not problems:
            health.last_success = run
    if disabled:
        health.problems = []
    elif health.enabled and health.cadence_hours and health.last_run:
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


def publish_health(store: CrawlStore, db: sqlite_utils.Database) -> None:
    """The registry's view of source health: each ``sources`` row gets what ``survreg status``
    says of it, and the alerts are copied as ``maintainer_alerts``."""
    sources = db.table("sources")
    declared = {row["id"] for row in sources.rows}
    for health in source_health(store):
        if health.source in declared:
            sources.update(
                health.source,
                {
                    "health": health.state.lower(),
                    "problems": "; ".join(f"{k}: {m}" for k, m in health.problems)
                    or health.disabled,
                    "last_run": (health.last_run or {}).get("finished"),
                    "last_successful_crawl": (health.last_success or {}).get("finished"),
                },
            )
    copy_alerts(store, db)


def format_table(healths: list[Health]) -> str:
    """The ``survreg status`` table: one line per source, then one line per problem."""
    lines = [
        f"{'source':26} {'health':11} {'last run':25} {'last success':25} "
        f"{'new':>5} {'chg':>5} {'same':>5} {'rej':>4} {'err':>4}"
    ]
    for h in healths:
        run = h.last_run or {}
        lines.append(
            f"{h.source:26} {h.state:11} {run.get('started') or '-':25} "
            f"{(h.last_success or {}).get('finished') or '-':25} "
            f"{run.get('records_new') or 0:5} {run.get('records_changed') or 0:5} "
            f"{run.get('records_unchanged') or 0:5} {run.get('records_rejected') or 0:4} "
            f"{run.get('errors') or 0:4}"
        )
    lines += [f"  {h.source}: {kind}: {message}" for h in healths for kind, message in h.problems]
    lines += [f"  {h.source}: disabled: {h.disabled}" for h in healths if h.disabled]
    lines += [
        f"  {h.source}: dry run {h.last_dry_run['id']} at {h.last_dry_run['started']} (not judged)"
        for h in healths
        if h.last_dry_run and not (h.last_run and h.last_run["id"] > h.last_dry_run["id"])
    ]
    return "\n".join(lines)
