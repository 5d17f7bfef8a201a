"""The production app for gunicorn: Datasette over a pinned link to the live registry.

``survreg serve-production`` runs it. Publishing only swaps the file: before each request a
worker checks which file ``registry.db`` names, and when it is a new one, pins it and serves
later requests from a fresh Datasette over the new pin, while requests already running finish on
the old one. No worker restarts, so no connection is dropped and no answer mixes two builds.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import sys
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from datasette.app import SETTINGS, Datasette
from datasette.database import Database
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn_worker import UvicornWorker

from crawlers import paths
from registry import children
from registry.publish import pin
from registry.serve import METADATA, PRODUCTION_SETTINGS, TEMPLATES

WORKER_CLASS = "registry.asgi.RegistryWorker"
# A client gets this long to send a request's headers (a first request, or the next one on a kept
# connection) and this many bytes for them; then the connection is closed.
HEADER_TIMEOUT = 10.0
MAX_HEADER_BYTES = 32 * 1024


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing connections that never finish their headers.

    uvicorn times out only idle kept-alive connections, and only until their first byte: one
    that sends a few bytes of headers and stops would hold its socket for ever.
    """

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:
            self._stop_timer()

    def on_response_complete(self) -> None:
        cycle = self.cycle
        super().on_response_complete()
        if self.cycle is cycle and not self.transport.is_closing():
            self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def _expect_headers(self) -> None:
        self._stop_timer()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._headers_too_slow)

    def _stop_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()


# What both servers give uvicorn: the protocol above and a bound on a request's headers.
UVICORN_LIMITS: dict[str, Any] = {
    "http": HeaderTimeoutProtocol,
    "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
}


class RegistryWorker(UvicornWorker):
    """gunicorn's uvicorn worker with the registry's header timeout and size limit."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, **UVICORN_LIMITS}


def datasette_settings() -> dict[str, Any]:
    """serve.py's production settings, typed as Datasette's constructor wants them."""
    types = {s.name: type(s.default) for s in SETTINGS}
    settings = {**PRODUCTION_SETTINGS, "default_allow_sql": "off"}
    return {
        name: value in ("on", "true", "1") if types[name] is bool else types[name](value)
        for name, value in settings.items()
    }


class SwappingApp:
    """An ASGI app that follows the live registry file from one request to the next.

    A new file's Datasette reads its schema before its first request: Datasette skips the
    refresh while another request is refreshing, so concurrent first requests of a fresh one saw
    no tables (404, or 500 on a sort). The Datasette of a replaced file is closed (connections,
    thread pool) once its last request has finished: a pinned file that is gone stays unopened.
    """

    def __init__(self, live: Path):
        self.live = live
        self.inode: tuple[int, int] | None = None
        self.served: Served | None = None
        self.swapping = asyncio.Lock()

    def _inode(self) -> tuple[int, int]:
        stat = os.stat(self.live)
        return stat.st_dev, stat.st_ino

    async def current(self) -> Served:
        if self.served is not None and self._inode() == self.inode:
            return self.served
        async with self.swapping:
            inode = self._inode()
            if self.served is None or inode != self.inode:
                served = Served(pin(self.live), self.live.stem)
                await served.datasette.invoke_startup()
                await served.datasette.refresh_schemas()
                previous, self.served, self.inode = self.served, served, inode
                if previous is not None:
                    await previous.retire()
            assert self.served is not None
            return self.served

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            # Datasette starts up with its first file; a lifespan call would hold one build.
            await lifespan(receive, send)
            return
        served = await self.current()
        served.requests += 1
        try:
            await served.app(scope, receive, send)
        finally:
            served.requests -= 1
            if served.retired and not served.requests:
                await served.close()


class Served:
    """One Datasette over one pinned registry file, and how many requests it is serving."""

    def __init__(self, pinned: Path, name: str):
        self.pinned = pinned
        self.datasette = datasette_instance(pinned, name)
        self.app = self.datasette.app()
        self.requests = 0
        self.retired = False

    async def retire(self) -> None:
        self.retired = True
        if not self.requests:
            await self.close()

    async def close(self) -> None:
        """Stop every thread this Datasette started and close every file it opened."""
        for database in self.datasette.databases.values():
            # Datasette has no way to stop a database's write thread (the internal catalog
            # has one); it ends on an exception that is not an Exception.
            if database._write_thread is not None:
                await database.execute_write_fn(_end_write_thread, block=False)
            database.close()
        if self.datasette.executor is not None:
            self.datasette.executor.shutdown(wait=False)
        self.pinned.unlink(missing_ok=True)


def _end_write_thread(_conn: Any) -> None:
    raise SystemExit


async def lifespan(receive: Any, send: Any) -> None:
    """Answer the ASGI lifespan protocol: nothing to start or stop before the first request."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def datasette_instance(pinned: Path, name: str) -> Datasette:
    """Datasette over one pinned registry file, as ``datasette_command(production=True)``."""
    datasette = Datasette(
        metadata=yaml.safe_load(METADATA.read_text("utf-8")),
        template_dir=str(TEMPLATES),
        settings=datasette_settings(),
        cors=True,
    )
    datasette.add_database(Database(datasette, path=str(pinned), is_mutable=False), name=name)
    return datasette


def production_app() -> Any:
    """The app gunicorn loads in each worker (``registry.asgi:production_app()``)."""
    return SwappingApp(paths.registry_db())


def gunicorn_command(
    *, host: str = "127.0.0.1", port: int = 8001, workers: int = 2, pid_file: Path
) -> list[str]:
    """The gunicorn command line serving ``registry.asgi:production_app()`` with uvicorn workers."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "registry.asgi:production_app()",
        "--worker-class",
        WORKER_CLASS,
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--pid",
        str(pid_file),
        # Publishing needs no signal (the workers follow the file); no control socket either.
        "--no-control-socket",
        "--graceful-timeout",
        "30",
    ]


def development_main() -> None:
    """``datasette serve`` with uvicorn's limits: ``python -m registry.asgi serve ...``.

    Datasette's command line passes uvicorn no protocol options, so they are bound in here.
    """
    uvicorn.run = functools.partial(uvicorn.run, **UVICORN_LIMITS)
    from datasette.cli import cli

    cli()


def serve_production(
    *, host: str = "127.0.0.1", port: int = 8001, workers: int = 2, pid_file: Path
) -> int:
    """Run gunicorn until interrupted; returns its exit status."""
    if not paths.registry_db().exists():
        print(f"no registry at {paths.registry_db()}: run `survreg build` first", file=sys.stderr)
        return 1
    command = gunicorn_command(host=host, port=port, workers=workers, pid_file=pid_file)
    try:
        # gunicorn stops its workers on SIGTERM, also when the kernel sends it because we died.
        return children.run(command, death_signal=signal.SIGTERM).returncode
    except children.Stopped:
        return 0


if __name__ == "__main__":
    development_main()
