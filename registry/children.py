"""Child processes (crawls, Datasette, gunicorn) that stop with the command that started them.

Each child runs in a process group of its own, so a Ctrl-C reaches it once, through us, and never
twice (a second SIGINT forces Scrapy and uvicorn to stop without cleaning up). SIGINT, SIGTERM
and SIGHUP sent to us are passed on; and the kernel signals the child when we die, even by
``kill -9`` (``PR_SET_PDEATHSIG``), so nothing is left crawling or serving on its own.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Passed on without stopping us: gunicorn reloads on SIGHUP (systemd's ExecReload sends it).
PASSED_ON = (*STOP_SIGNALS, signal.SIGHUP)


class Stopped(BaseException):
    """We were asked to stop (SIGINT or SIGTERM); a BaseException, as KeyboardInterrupt, so that
    no "any error costs this record" handler takes it for a record's failure."""

    def __init__(self, signum: int):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def dies_with_parent(death_signal: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking the kernel to send ``death_signal`` when the parent dies (Linux).

    prctl is looked up before the fork: the child of a threaded parent may only make plain calls.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, death_signal)
        if os.getppid() != parent:
            # The parent died before the request took effect: nobody would stop us.
            os.kill(os.getpid(), death_signal)

    return preexec


def run(
    command: list[str],
    *,
    death_signal: int = signal.SIGKILL,
    timeout: float | None = None,
    capture_output: bool = False,
    **popen: Any,
) -> subprocess.CompletedProcess:
    """Run ``command`` to completion; raises ``Stopped`` after passing a stop signal on to it.

    ``death_signal`` reaches the child if we die first: SIGKILL for a crawl (its run is then
    re-run from scratch, see registry/schedule.py), SIGTERM for a server (it stops its workers).
    """
    if capture_output:
        popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    received: list[int] = []
    started: list[subprocess.Popen] = []

    def pass_on(signum: int, _frame: Any) -> None:
        if signum in STOP_SIGNALS:
            received.append(signum)
        if started and started[0].poll() is None:
            started[0].send_signal(signum)

    # The handler is in place before the child exists: a stop that falls between the fork and
    # the handler would otherwise end us by the default action, our child left to PDEATHSIG.
    previous = _handle(PASSED_ON, pass_on)
    try:
        process = subprocess.Popen(
            command, preexec_fn=dies_with_parent(death_signal), process_group=0, **popen
        )
    except BaseException:
        _restore(previous)
        raise
    started.append(process)
    if received:
        process.send_signal(received[0])
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    finally:
        _restore(previous)
        if process.poll() is None:
            process.kill()
            process.wait()
    if received:
        raise Stopped(received[0])
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@contextmanager
def stops_raise() -> Iterator[None]:
    """SIGTERM raises ``Stopped`` in the main thread, as SIGINT raises KeyboardInterrupt.

    The work a command does itself (a build between two children) then ends in its one-line
    message and its ``finally`` clauses, not by the default action.
    """

    def stop(signum: int, _frame: Any) -> None:
        raise Stopped(signum)

    previous = _handle((signal.SIGTERM,), stop)
    try:
        yield
    finally:
        _restore(previous)


def _handle(signums: tuple[int, ...], handler: Callable[[int, Any], None]) -> dict[int, Any]:
    # Only the main thread may set handlers; elsewhere (a test's thread) the defaults stay.
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, handler) for signum in signums}


def _restore(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
