"""Running real crawls in subprocesses and measuring them: exit status, log, peak memory."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawlers import paths
from crawlers import settings as project_settings
from crawlers.store import CrawlStore, load_record
from registry.crawl import LOOPBACK_SETTINGS, crawl_command, crawl_env


def first_hop_settings(first_hop: str) -> dict[str, str]:
    """Settings of a crawl without loopback whose first hop only may reach ``first_hop``."""
    # -s replaces the whole setting, so start from the project's own middlewares.
    middlewares = {
        **project_settings.DOWNLOADER_MIDDLEWARES,
        "crawlers.middlewares.AddressGuardMiddleware": None,
        "tests.hardening.guard.FirstHopGuard": 50,
    }
    return {
        "SURVREG_ALLOW_LOOPBACK": "False",
        "DOWNLOADER_MIDDLEWARES": json.dumps(middlewares),
        "TWISTED_DNS_RESOLVER": "tests.hardening.guard.FirstHopResolver",
        "SURVREG_TEST_FIRST_HOP": first_hop,
    }


@dataclass
class Crawl:
    returncode: int
    stderr: str
    peak_rss_mib: float


def crawl(
    spider: str,
    arguments: dict[str, Any],
    settings: dict[str, Any] | None = None,
    *,
    timeout: float = 60,
) -> Crawl:
    """One ``scrapy crawl`` subprocess, with the peak RSS of the crawl itself.

    The peak is the child's VmHWM, polled until it exits: ru_maxrss from wait4 would also count
    the pytest process's memory that the child held between fork and exec.
    """
    merged = {**LOOPBACK_SETTINGS, "LOG_LEVEL": "INFO", **(settings or {})}
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            crawl_command(spider, arguments, merged),
            env=crawl_env(),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        deadline = time.monotonic() + timeout
        status_file = Path(f"/proc/{process.pid}/status")
        peak_kib = 0
        while True:
            with contextlib.suppress(OSError):
                for line in status_file.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kib = max(peak_kib, int(line.split()[1]))
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise TimeoutError(f"crawl of {spider} still running after {timeout} s")
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Crawl(process.returncode, stderr, peak_kib / 1024)


def last_run(source: str) -> dict:
    """The latest crawl_runs row of a source, with its JSON columns decoded."""
    store = CrawlStore(paths.crawl_db())
    run = store.runs(source)[-1]
    store.close()
    run["responses_by_status"] = json.loads(run["responses_by_status"] or "{}")
    run["error_samples"] = json.loads(run["error_samples"] or "[]")
    return run


def stored_items(source: str | None = None) -> dict[str, dict]:
    """Current crawl-store items by source_id, as the build reads them."""
    store = CrawlStore(paths.crawl_db())
    items = {
        r["source_id"]: load_record(r["record"])
        for r in store.iter_records()
        if source in (None, r["source"])
    }
    store.close()
    return items
