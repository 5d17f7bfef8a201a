"""Stopping ``survreg serve``, ``serve-production`` and ``demo`` stops every process they started.

Each command runs as a real process, as a terminal or a service manager starts it; Ctrl-C is a
SIGINT to the terminal's foreground process group, SIGTERM is what systemd or ``kill`` sends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from registry.build import build
from registry.crawl import crawl_env
from tests.conftest import FIXTURES
from tests.registry.helpers import store_documents
from tests.registry.processes import alive, descendants
from tests.registry.production import free_port, wait_until

STOPS = {
    "SIGTERM": lambda process: process.send_signal(signal.SIGTERM),
    "Ctrl-C": lambda process: os.killpg(process.pid, signal.SIGINT),
    "kill -9": lambda process: process.kill(),
}


def survreg(data_dir: Path, *arguments: str) -> subprocess.Popen:
    """``survreg`` in a session of its own, as a shell starts a foreground job."""
    return subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "--data", str(data_dir), *arguments],
        env=crawl_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    """A data directory with a built registry, served (never changed) by the tests below."""
    directory = tmp_path_factory.mktemp("served")
    store_documents(directory / "crawl.db", *sorted((FIXTURES / "ocds").glob("uk-*.json")))
    build(directory / "crawl.db", directory / "registry.db", progress=False)
    return directory


def stopped_everything(process: subprocess.Popen, started: set[int], stop: str) -> None:
    STOPS[stop](process)
    process.wait(timeout=60)
    wait_until(lambda: not any(alive(pid) for pid in started), "its processes to end", 45)


@pytest.mark.parametrize("stop", sorted(STOPS))
def test_stopping_serve_stops_datasette(registry, stop):
    port = free_port()
    process = survreg(registry, "serve", "--port", str(port))
    wait_until(lambda: answers(port), "the server to answer")
    started = descendants(process.pid)
    assert started, "Datasette runs as a child process"
    stopped_everything(process, started, stop)
    assert port_closed(port)
    assert b"Traceback" not in process.stderr.read()


@pytest.mark.parametrize("stop", ["SIGTERM", "Ctrl-C"])
def test_stopping_serve_production_stops_gunicorn_and_its_workers(registry, stop):
    port = free_port()
    process = survreg(registry, "serve-production", "--port", str(port), "--workers", "2")
    wait_until(lambda: answers(port), "the server to answer")
    started = descendants(process.pid)
    assert len(started) >= 3, "a gunicorn master and two workers"
    stopped_everything(process, started, stop)
    assert port_closed(port)


def test_stopping_the_demo_while_it_crawls_stops_the_crawl(data_dir):
    process = survreg(data_dir, "demo", "--no-serve")
    crawls: set[int] = set()

    def crawling() -> bool:
        crawls.update(descendants(process.pid))
        return bool(crawls)

    wait_until(crawling, "a crawl to start", 120)
    stopped_everything(process, crawls, "SIGTERM")
    assert process.returncode == 128 + signal.SIGTERM
    assert process.stderr.read().decode().strip().endswith("survreg demo: stopped by SIGTERM")


# A command's own work, here a build, stopped by an operator's SIGTERM: the stop lands in the
# middle of loading notices, as it would between two children of the demo.
STOPPED_BUILD = """
import os, signal, sys
import registry.build
from registry.cli import main

load = registry.build._load_notices

def stopped_while_loading(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    return load(*args, **kwargs)

registry.build._load_notices = stopped_while_loading
sys.exit(main(["--data", sys.argv[1], "build"]))
"""


def test_a_stop_during_the_commands_own_work_ends_in_one_line_and_keeps_the_registry(registry):
    published = (registry / "registry.db").read_bytes()
    process = subprocess.run(
        [sys.executable, "-c", STOPPED_BUILD, str(registry)],
        env=crawl_env(),
        capture_output=True,
        timeout=120,
    )
    assert process.returncode == 128 + signal.SIGTERM
    assert process.stderr.decode().strip().splitlines()[-1] == "survreg build: stopped by SIGTERM"
    assert b"Traceback" not in process.stderr
    assert (registry / "registry.db").read_bytes() == published
    assert sorted(p.name for p in registry.iterdir() if p.name.startswith("registry")) == [
        "registry.db"
    ]
