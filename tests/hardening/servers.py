"""Hostile answers for the replay server: raw responses that break HTTP on purpose.

ReplayServer (registry/replay.py) sends these bytes as they are for a route's ``raw``: truncated
bodies, broken chunking, dishonest lengths and bodies that never end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from registry.replay import ReplayServer

# A route answers with raw bytes, or with a callable yielding byte chunks sent one by one.
Answer = bytes | Callable[[], Iterator[bytes]]


def response(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """A raw HTTP/1.1 response; the caller decides whether Content-Length is honest."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"HTTP/1.1 {status}\r\n{head}Connection: close\r\n\r\n".encode("latin-1") + body


def raw_server(routes: dict[str, Answer] | None = None, host: str = "127.0.0.1") -> ReplayServer:
    """A replay server answering each path with raw bytes."""
    return ReplayServer(
        routes=[{"path": path, "raw": answer} for path, answer in (routes or {}).items()],
        host=host,
    )


def endless(head: bytes, chunk: bytes = b" " * 1024, pause: float = 0.05) -> Answer:
    """An answer whose body never ends: the head, then ``chunk`` every ``pause`` seconds."""

    def pieces() -> Iterator[bytes]:
        yield head
        while True:
            time.sleep(pause)
            yield chunk

    return pieces
