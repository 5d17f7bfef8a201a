"""Hostile HTTP servers on 127.0.0.1: raw sockets, so a response can break HTTP on purpose.

ReplayServer (registry/replay.py) always sends a correct Content-Length; these send whatever bytes
a route gives, including truncated bodies, broken chunking and bodies that never end.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Callable, Iterator

# A route answers with raw bytes, or with an iterator of byte chunks sent one by one.
Answer = bytes | Callable[[], Iterator[bytes]]

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def response(status: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """A raw HTTP/1.1 response; the caller decides whether Content-Length is honest."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"HTTP/1.1 {status}\r\n{head}Connection: close\r\n\r\n".encode("latin-1") + body


class RawServer:
    """Serves raw answers by path on 127.0.0.1; records every request line in ``hits``."""

    def __init__(self, routes: dict[str, Answer] | None = None, host: str = "127.0.0.1"):
        self.routes: dict[str, Answer] = dict(routes or {})
        self.hits: list[str] = []
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                server.hits.append(line)
                parts = line.split(" ")
                path = parts[1] if len(parts) > 1 else "/"
                answer = server.routes.get(path.split("?", 1)[0], NOT_FOUND)
                try:
                    if isinstance(answer, bytes):
                        self.request.sendall(answer)
                    else:
                        for piece in answer():
                            self.request.sendall(piece)
                except OSError:
                    return  # the client gave up (timeout, size limit): that is the point

        self.tcp = socketserver.ThreadingTCPServer((host, 0), Handler)
        self.tcp.daemon_threads = True
        self.thread = threading.Thread(target=self.tcp.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.tcp.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.tcp.shutdown()
        self.tcp.server_close()


def endless(head: bytes, chunk: bytes = b" " * 1024, pause: float = 0.05) -> Answer:
    """An answer whose body never ends: the head, then ``chunk`` every ``pause`` seconds."""

    def pieces() -> Iterator[bytes]:
        yield head
        while True:
            time.sleep(pause)
            yield chunk

    return pieces
