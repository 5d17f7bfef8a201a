"""Worker processes end with the crawl that started them, even one killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.registry.production import wait_until

ROOT = Path(__file__).resolve().parents[2]
# A process that starts a pool, has one of its workers say its pid, then waits to be killed.
OWNER = """
import os, sys, time
from crawlers import workers
pool = workers.process_pool(1)
print(pool.submit(os.getpid).result(), flush=True)
time.sleep(120)
"""


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_a_worker_process_ends_when_its_crawl_is_killed() -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        worker = int(owner.stdout.readline())
        assert worker != owner.pid and _running(worker)
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=30)
        wait_until(lambda: not _running(worker), "the worker to end")
    finally:
        owner.kill()
        owner.wait(timeout=30)
