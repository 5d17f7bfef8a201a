"""``survreg scheduled``: lock, crawl every enabled source incrementally, prune the HTTP cache,
build, publish on change.

Exit status: 0 when every source crawled healthily, 1 when one failed (or the build did),
75 (EX_TEMPFAIL) when another scheduled run holds the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers import paths
from crawlers.store import CrawlStore
from registry.build import BuildError, build
from registry.crawl import CrawlOutcome, crawl_source
from registry.health import record_alerts, source_health
from registry.httpcache import HTTPCACHE_KEEP_DAYS, prune_httpcache
from registry.publish import content_digest, publish
from registry.sources import load_sources

# Incremental crawls start this long before the last successful one did: late publications and
# clock skew at the source are caught, and the store turns the overlap into "unchanged".
OVERLAP = dt.timedelta(days=1)
LOCKED = 75


class LockHeld(RuntimeError):
    """Another scheduled run is alive and holds the lock."""


@dataclass
class ScheduleReport:
    outcomes: list[CrawlOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    published: bool = False
    failed: bool = False

    def text(self) -> str:
        """The short report a maintainer reads in cron mail or the journal."""
        bad = [o for o in self.outcomes if not o.ok]
        lines = [f"scheduled crawl: {len(self.outcomes)} sources, {len(bad)} failed", *self.notes]
        for o in self.outcomes:
            lines += [f"  {o.summary()}", *o.details()]
        return "\n".join(lines)


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[str | None]:
    """Hold an exclusive flock on ``path``; yields a note when a dead holder's pid was found.

    The kernel drops a flock when its holder dies, so a pid left in the file by a process that
    no longer runs is stale by definition and is taken over.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(f"another scheduled run holds {path} (pid {_read(fd) or '?'})") from None
        previous = _read(fd)
        note = None
        if previous and previous != str(os.getpid()):
            note = f"stale lock of pid {previous} (no longer running) taken over"
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield note
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read(fd: int) -> str:
    return os.pread(fd, 64, 0).decode("ascii", "replace").strip()


def enabled_sources() -> list[str]:
    """Sources marked ``enabled`` (and not ``disabled``) in sources.yaml, in file order."""
    return [
        name
        for name, config in load_sources().items()
        if config.get("enabled") and not config.get("disabled")
    ]


def job_dir(source: str) -> Path:
    return paths.data_dir() / "jobs" / source


def prepare_crawl(
    store: CrawlStore, source: str, arguments: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Arguments, settings and mode of a resumable crawl (Scrapy JOBDIR under data/jobs/).

    A crawl stopped gracefully (``shutdown``) resumes from its saved queue. A killed one left a
    queue and seen-requests file that may disagree, so it is re-run from scratch with the same
    arguments: the store's upserts make the repeated part "unchanged", never a duplicate.
    """
    runs = store.runs(source)
    last = runs[-1] if runs else None
    directory = job_dir(source)
    mode = "fresh"
    if last and last["finished"] is None:
        store.finish_run(last["id"], finish_reason="killed")
        mode = "restart"
    elif last and last["finish_reason"] == "shutdown":
        mode = "resume"
    if mode != "fresh":
        # Only a last run makes the mode other than fresh.
        assert last is not None
        stored = json.loads(last["arguments"] or "{}")
        arguments = {**stored, **{k: v for k, v in arguments.items() if k == "source_url" and v}}
    if mode != "resume":
        shutil.rmtree(directory, ignore_errors=True)
    directory.parent.mkdir(parents=True, exist_ok=True)
    return arguments, {"JOBDIR": str(directory)}, mode


def incremental_from(last_success: dict[str, Any] | None) -> str | None:
    """``from_date`` of an incremental crawl: the last success's start minus the overlap."""
    if not last_success:
        return None
    started = dt.datetime.fromisoformat(last_success["started"])
    return (started - OVERLAP).date().isoformat()


def run_scheduled(
    sources: list[str] | None = None,
    *,
    mirrors: dict[str, str] | None = None,
    allow_loopback: bool = False,
    allow_shrink: bool = False,
    httpcache_keep_days: float = HTTPCACHE_KEEP_DAYS,
) -> ScheduleReport:
    """Crawl, record alerts, prune the HTTP cache, build into a staging file and publish it if
    its content changed."""
    report = ScheduleReport()
    config = load_sources()
    sources = sources or enabled_sources()
    mirrors = mirrors or {}
    store = CrawlStore(paths.crawl_db())
    try:
        before = {h.source: h for h in source_health(store)}
        for source in sources:
            arguments = dict((config.get(source) or {}).get("arguments") or {})
            last_success = before[source].last_success if source in before else None
            if last_success:
                arguments["from_date"] = incremental_from(last_success)
            arguments["source_url"] = mirrors.get(source)
            arguments, settings, mode = prepare_crawl(store, source, arguments)
            if mode != "fresh":
                report.notes.append(f"{source}: {mode} of an interrupted crawl")
            report.outcomes.append(
                crawl_source(source, arguments, settings, allow_loopback=allow_loopback)
            )
        healths = {h.source: h for h in source_health(store)}
        for outcome in report.outcomes:
            health = healths.get(outcome.source)
            if health and outcome.run is not None:
                outcome.problems = list(health.problems)
        record_alerts(store, list(healths.values()))
    finally:
        store.close()
    pruned = prune_httpcache(paths.httpcache_dir(), httpcache_keep_days)
    if pruned:
        report.notes.append(
            f"pruned {pruned} HTTP cache entries older than {httpcache_keep_days:g} days"
        )
    report.failed = any(not o.ok for o in report.outcomes)
    _build_and_publish(report, allow_shrink)
    return report


def _build_and_publish(report: ScheduleReport, allow_shrink: bool = False) -> None:
    live = paths.registry_db()
    staged = live.with_name(f"{live.stem}.staged{live.suffix}")
    try:
        built = build(
            paths.crawl_db(),
            staged,
            progress=False,
            previous_registry=live,
            allow_shrink=allow_shrink,
        )
    except BuildError as exc:
        report.failed = True
        report.notes.append(f"build failed, live registry unchanged: {exc}")
        return
    if live.exists() and content_digest(staged) == content_digest(live):
        staged.unlink()
        report.notes.append("registry unchanged: not published")
        return
    publish(staged, live)
    report.published = True
    report.notes.append(f"published {built.notices} notices")
