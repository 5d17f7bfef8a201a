"""A production server (gunicorn + uvicorn workers) over a registry, for tests over real HTTP."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from registry.asgi import gunicorn_command
from registry.crawl import crawl_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def production_server(data_dir: Path, ready_path: str) -> Iterator[str]:
    """Serve ``data_dir/registry.db`` until the block ends; yields the base URL."""
    port = free_port()
    process = subprocess.Popen(
        gunicorn_command(port=port, workers=2, pid_file=data_dir / "server.pid"),
        env={**crawl_env(), "SURVREG_DATA": str(data_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + ready_path, timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


def wait_until(condition: Callable[[], object], what: str, seconds: float = 60) -> None:
    """Poll ``condition``; give up after ``seconds`` (a deadline to stop waiting, not a bound)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)
