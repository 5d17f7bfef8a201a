"""Running spiders: each crawl is a `scrapy crawl` subprocess (a Twisted reactor cannot restart).

A crawl's outcome is its run in the crawl store, judged by registry/health.py: the exit status of
``survreg crawl``, its summary line and the alerts all follow that record, never Scrapy's own
exit status (which is 0 whatever happened).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers import paths
from crawlers.store import CrawlStore
from registry import children
from registry.health import is_dry_run, judge_run, record_alerts, source_health
from registry.sources import load_sources

# Settings for crawls against a local replay: loopback allowed, no politeness delays.
LOOPBACK_SETTINGS = {
    "SURVREG_ALLOW_LOOPBACK": "True",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "LOG_LEVEL": "WARNING",
}
Progress = Callable[[dict[str, Any]], None]


class UnknownSource(ValueError):
    """A source name that no spider has."""


@dataclass
class CrawlOutcome:
    """One source's crawl: its recorded run and what the health check found in it."""

    source: str
    run: dict[str, Any] | None
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return self.run is not None and not self.problems

    @property
    def dry_run(self) -> bool:
        return self.run is not None and is_dry_run(self.run)

    def summary(self) -> str:
        """One line: requests, records new / changed / unchanged / rejected, errors, time."""
        run = self.run or {}
        verdict = "ok" if self.ok else "FAILED"
        line = (
            f"{self.source:26} {verdict:6} requests {run.get('requests') or 0}, "
            f"new {run.get('records_new') or 0}, changed {run.get('records_changed') or 0}, "
            f"unchanged {run.get('records_unchanged') or 0}, "
            f"rejected {run.get('records_rejected') or 0}, errors {run.get('errors') or 0}, "
            f"{self.seconds:.1f} s"
        )
        if self.dry_run:
            line += " (dry run)"
        return line

    def details(self) -> list[str]:
        lines = [f"    {kind}: {message}" for kind, message in self.problems]
        if not self.ok and self.log:
            lines.append(f"    log: {self.log}")
        return lines


def crawl_command(
    spider: str, arguments: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
) -> list[str]:
    """The command line of one crawl; every argument maps to ``-a name=value``."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in (arguments or {}).items():
        if value is not None:
            command += ["-a", f"{name}={value}"]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    return command


def run_crawl(
    spider: str,
    arguments: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    *,
    allow_loopback: bool = False,
    timeout: float | None = None,
    progress: Progress | None = None,
    **popen: Any,
) -> subprocess.CompletedProcess:
    """Run one crawl to completion; the crawl store records how it went.

    The crawl dies with us (``kill -9`` included), so it never outlives the command or the
    scheduled run that holds the lock. ``progress`` is called with the crawl's live figures.
    """
    merged = {**(LOOPBACK_SETTINGS if allow_loopback else {}), **(settings or {})}
    with _progress_pipe(progress) as fd:
        if fd is not None:
            merged["SURVREG_PROGRESS_FD"] = fd
            popen["pass_fds"] = (*popen.get("pass_fds", ()), fd)
        return children.run(
            crawl_command(spider, arguments, merged), env=crawl_env(), timeout=timeout, **popen
        )


@contextlib.contextmanager
def _progress_pipe(progress: Progress | None) -> Iterator[int | None]:
    """A pipe whose write end the crawl inherits; a thread hands each JSON line to ``progress``."""
    if progress is None:
        yield None
        return
    read, write = os.pipe()

    def forward() -> None:
        with open(read, encoding="utf-8") as lines:
            for line in lines:
                progress(json.loads(line))

    thread = threading.Thread(target=forward, daemon=True)
    thread.start()
    try:
        yield write
    finally:
        os.close(write)
        thread.join(timeout=5)


def crawl_env() -> dict[str, str]:
    """The environment of a crawl subprocess: ours, with the project's settings module and the
    data directory of the command that started it, whatever the crawl's working directory."""
    return {
        **os.environ,
        "SCRAPY_SETTINGS_MODULE": "crawlers.settings",
        "SURVREG_DATA": str(paths.data_dir()),
    }


def spider_names() -> list[str]:
    """Every spider of the project, by name."""
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    return sorted(SpiderLoader.from_settings(get_project_settings()).list())


def needed_arguments(source: str) -> list[str]:
    """The spider arguments of which a crawl of ``source`` needs one (``needs`` in sources.yaml)."""
    return list(load_sources().get(source, {}).get("needs") or [])


def crawlable_by_default() -> list[str]:
    """What ``--all`` crawls: every spider that needs no argument and is not disabled."""
    config = load_sources()
    return [
        name
        for name in spider_names()
        if not needed_arguments(name) and not config.get(name, {}).get("disabled")
    ]


def check_crawl(source: str, arguments: dict[str, Any]) -> str | None:
    """Why ``source`` cannot be crawled with these arguments (one line), or None."""
    known = spider_names()
    if source not in known:
        return f"unknown source {source!r}; known sources: {', '.join(known)}"
    disabled = load_sources().get(source, {}).get("disabled")
    if disabled:
        return f"{source} is disabled: {disabled}"
    needs = needed_arguments(source)
    if needs and not any(arguments.get(name) for name in needs):
        options = " or ".join(f"--{name.replace('_', '-')} URL" for name in needs)
        return f"{source} needs {options}"
    return None


def crawl_source(
    source: str,
    arguments: dict[str, Any],
    settings: dict[str, Any] | None = None,
    *,
    allow_loopback: bool = False,
    progress: Progress | None = None,
    log: Path | None = None,
    timeout: float | None = None,
    **popen: Any,
) -> CrawlOutcome:
    """Crawl one source, judge the run it recorded and raise or resolve its alerts."""
    store = CrawlStore(paths.crawl_db())
    last_id = max((r["id"] for r in store.runs(source)), default=0)
    store.close()
    settings = dict(settings or {})
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        settings["LOG_FILE"] = str(log)
    started = time.monotonic()
    result = run_crawl(
        source,
        arguments,
        settings,
        allow_loopback=allow_loopback,
        progress=progress,
        timeout=timeout,
        **popen,
    )
    outcome = CrawlOutcome(source, None, seconds=time.monotonic() - started, log=log)
    store = CrawlStore(paths.crawl_db())
    try:
        new_runs = [r for r in store.runs(source) if r["id"] > last_id]
        if not new_runs:
            outcome.problems = [
                ("no-run", f"the crawl recorded no run (it exited with status {result.returncode})")
            ]
            return outcome
        outcome.run = new_runs[-1]
        outcome.problems = judge_run(store, outcome.run["id"])
        record_alerts(store, [h for h in source_health(store) if h.source == source])
    finally:
        store.close()
    return outcome


def log_file(source: str) -> Path:
    """Where ``survreg crawl`` keeps a source's Scrapy log (appended to on every run)."""
    return paths.data_dir() / "logs" / f"{source}.log"


def crawl_sources(
    sources: list[str],
    *,
    prepare: Callable[[str], tuple[dict[str, Any], dict[str, Any]]],
    allow_loopback: bool = False,
    live: bool = False,
) -> Iterator[CrawlOutcome]:
    """Crawl sources one after another with the arguments and settings ``prepare`` gives each,
    logging to a file per source; ``live`` draws a progress line per source while it runs."""
    from tqdm import tqdm

    for source in sources:
        source_arguments, settings = prepare(source)
        bar = tqdm(
            desc=f"{source:26} starting",
            bar_format="{desc} [{elapsed}]",
            disable=not live,
            leave=False,
            file=sys.stderr,
        )

        def show(figures: dict[str, Any], bar: Any = bar, source: str = source) -> None:
            bar.set_description_str(
                f"{source:26} requests {figures['requests']}, new {figures['records_new']}, "
                f"changed {figures['records_changed']}, "
                f"unchanged {figures['records_unchanged']}, "
                f"rejected {figures['records_rejected']}, errors {figures['errors']}"
            )

        try:
            outcome = crawl_source(
                source,
                source_arguments,
                settings,
                allow_loopback=allow_loopback,
                progress=show if live else None,
                log=log_file(source),
            )
        finally:
            bar.close()
        yield outcome
