"""A local HTTP server that replays recorded documents under the URL paths of the real source.

A snapshot directory holds the documents and a ``routes.json`` of routes
(``method``, ``path``, ``query``, ``json_body``, ``file`` or ``body``, ``status``, ``headers``,
``delay``; or ``raw``: the exact bytes of a response, or a callable yielding them in pieces, for
tests that break HTTP on purpose). A request matches a route when method and path are equal and
every query (and JSON body) value the route names is present; the route naming the most values
wins. Tests and the demo share this server.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

CONTENT_TYPES = {
    ".json": "application/json",
    ".xml": "application/xml",
    ".gz": "application/gzip",
    ".html": "text/html; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


class Route(dict):
    """One recorded response."""

    def matches(self, method: str, path: str, query: dict[str, str], body: Any) -> int | None:
        if self.get("method", "GET").upper() != method or self["path"] != path:
            return None
        wanted = self.get("query") or {}
        if any(query.get(k) != str(v) for k, v in wanted.items()):
            return None
        body_wanted = self.get("json_body") or {}
        if body_wanted and (
            not isinstance(body, dict) or any(body.get(k) != v for k, v in body_wanted.items())
        ):
            return None
        return len(wanted) + len(body_wanted)


class ReplayServer:
    """Serves a snapshot on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(
        self,
        directory: str | Path | None = None,
        routes: list[dict] | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
    ):
        self.directory = Path(directory) if directory else None
        loaded = []
        if self.directory and (self.directory / "routes.json").exists():
            loaded = json.loads((self.directory / "routes.json").read_text("utf-8"))
        self.routes = [Route(r) for r in [*loaded, *(routes or [])]]
        self.hits: list[str] = []
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        # A bound AF_INET socket names its host as str; the stub also admits bytes, as bind does.
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    def add(self, **route: Any) -> None:
        self.routes.append(Route(route))

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def find(self, method: str, target: str, body: bytes) -> Route | None:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        best, best_score = None, -1
        for route in self.routes:
            score = route.matches(method, parts.path, query, payload)
            if score is not None and score > best_score:
                best, best_score = route, score
        return best

    def body_of(self, route: Route) -> bytes:
        if "body" in route:
            body = route["body"]
            return body.encode("utf-8") if isinstance(body, str) else bytes(body)
        assert self.directory is not None, "a route with a file needs a snapshot directory"
        return (self.directory / route["file"]).read_bytes()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _respond(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.hits.append(f"{self.command} {self.path}")
                route = server.find(self.command, self.path, body)
                if route is None:
                    self._send(404, b"not recorded\n", {"Content-Type": "text/plain"})
                    return
                if route.get("delay"):
                    time.sleep(float(route["delay"]))
                if "raw" in route:
                    self._send_raw(route["raw"])
                    return
                payload = server.body_of(route)
                suffix = Path(route.get("file", "")).suffix
                headers = {
                    "Content-Type": CONTENT_TYPES.get(suffix, "application/octet-stream"),
                    **(route.get("headers") or {}),
                }
                self._send(int(route.get("status", 200)), payload, headers)

            def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _send_raw(self, raw: Any) -> None:
                self.close_connection = True
                try:
                    for piece in [raw] if isinstance(raw, bytes) else raw():
                        self.wfile.write(piece)
                        self.wfile.flush()
                except OSError:
                    return  # the client gave up (a timeout, a size limit): that is the point

            do_GET = do_POST = do_HEAD = _respond

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
