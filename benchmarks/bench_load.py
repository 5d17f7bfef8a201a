"""Requests per second, error rate and p99 latency of the two production servers under load.

    .venv/bin/python benchmarks/bench_load.py [--data DIR] [--connections 200] [--seconds 20]

Loopback only and bounded: each server (``survreg serve --production`` and
``survreg serve-production --workers 4``) is started on a free 127.0.0.1 port over the demo
registry (``DIR/demo/registry.db``; ``survreg demo --no-serve`` builds it when it is missing),
then ``--connections`` clients ask for the main pages in turn (home, deployments table, one
deployment page, a feed) for ``--seconds``. An error is a failed connection, a timeout (30 s) or
an answer other than 200. The load generator runs on the same machine: its share of the CPU is
part of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SURVREG = [sys.executable, "-m", "registry.cli"]
TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_registry(data: Path) -> Path:
    demo = data / "demo"
    if not (demo / "registry.db").exists():
        subprocess.run([*SURVREG, "--data", str(data), "demo", "--no-serve"], check=True)
    return demo


def pages(registry: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{registry}?mode=ro", uri=True)
    (deployment,) = conn.execute("SELECT id FROM deployments ORDER BY id LIMIT 1").fetchone()
    conn.close()
    return [
        "/",
        "/registry/deployments",
        f"/registry/deployment?id={deployment}",
        "/registry/new_deployments.atom",
    ]


def start(command: list[str], data: Path, url: str) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        env={**os.environ, "SURVREG_DATA": str(data)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/", timeout=5).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"server did not start: {' '.join(command)}")


def stop(process: subprocess.Popen) -> None:
    """Stop the server's whole process group: ``serve-production`` runs gunicorn as a child."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def load(url: str, paths: list[str], connections: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = within = 0
    began = time.monotonic()
    deadline = began + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def client(number: int, http: httpx.AsyncClient) -> None:
        nonlocal errors, within
        turn = number
        while time.monotonic() < deadline:
            path = paths[turn % len(paths)]
            turn += 1
            started = time.monotonic()
            try:
                response = await http.get(url + path)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            finished = time.monotonic()
            latencies.append(finished - started)
            errors += not ok
            within += finished <= deadline

    async with httpx.AsyncClient(limits=limits, timeout=TIMEOUT) as http:
        await asyncio.gather(*(client(n, http) for n in range(connections)))
    latencies.sort()
    count = len(latencies)
    return {
        "requests": count,
        # Answers within the window: requests still running at its end finish, and count for
        # errors and latency, not for throughput.
        "per_second": within / seconds,
        "error_rate": errors / count if count else 1.0,
        "p50": latencies[count // 2] if count else 0.0,
        "p99": latencies[min(count - 1, int(count * 0.99))] if count else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    demo = demo_registry(args.data.resolve())
    paths = pages(demo / "registry.db")
    servers = {
        "serve --production": lambda port: [
            *SURVREG, "serve", "--production", "--port", str(port)
        ],
        "serve-production --workers 4": lambda port: [
            *SURVREG, "serve-production", "--workers", "4", "--port", str(port),
            "--pid-file", str(demo / "bench-load.pid"),
        ],
    }  # fmt: skip
    print(f"{args.connections} connections for {args.seconds:.0f} s over {', '.join(paths)}")
    print(f"{'server':30} {'requests':>9} {'req/s':>8} {'errors':>7} {'p50 s':>7} {'p99 s':>7}")
    for name, command in servers.items():
        (demo / "bench-load.pid").unlink(missing_ok=True)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = start(command(port), demo, url)
        try:
            result = asyncio.run(load(url, paths, args.connections, args.seconds))
        finally:
            stop(process)
        print(
            f"{name:30} {result['requests']:9} {result['per_second']:8.1f} "
            f"{result['error_rate']:7.1%} {result['p50']:7.2f} {result['p99']:7.2f}"
        )


if __name__ == "__main__":
    main()
