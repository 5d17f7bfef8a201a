"""Streaming the values of a JSON array with ijson, nesting bounded before it costs anything."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from typing import IO, Any

import ijson

from crawlers.parsers.errors import ParseError

MAX_DEPTH = 64
# ijson emits a whole buffer's events at once, each with a prefix as long as the nesting: a small
# buffer lets the depth check fire before a hostile, deeply nested document gets expensive.
BUFFER = 2048
# Outside strings, and whole strings: stops at the opening quote of a string not closed yet.
# Possessive quantifiers keep the scan linear and free of backtracking state.
_COMPLETE_TOKENS = re.compile(rb'(?:[^"]++|"(?:[^"\\]++|\\.)*+")*+', re.DOTALL)
_NUMBER_BYTES = b"+-.0123456789eE"
# A whole string, or a run of number bytes: the token a read that cannot stop earlier ends after.
_FIRST_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[-+.0-9eE]++', re.DOTALL)


class TokenAlignedReader:
    """Reads of about ``size`` bytes that never end inside a string or a number.

    yajl lexes a token split across two reads again from its start, so a 30 MB string fed 2 KiB
    at a time costs O(n²); here a read stops before an unfinished token, or grows (doubling)
    until a token longer than ``size`` is whole. Structure still arrives ``size`` bytes at a time.
    """

    def __init__(self, stream: IO[bytes], size: int = BUFFER):
        self.stream = stream
        self.size = size
        self.data = b""
        self.position = 0
        self.eof = False

    def read(self, n: int = -1) -> bytes:
        if n == 0:  # ijson asks once, to tell bytes from text
            return b""
        if self.position > len(self.data) // 2:
            # Drop what has been handed out: the buffer holds little more than pending tokens.
            self.data, self.position = self.data[self.position :], 0
        start, window = self.position, self.size
        while True:
            end = start + window
            self._fill(end)
            if self.eof and end >= len(self.data):
                cut = len(self.data)  # the rest, whatever it holds: yajl judges it
                break
            if window == self.size:
                cut = self._last_boundary(start, end)
            else:
                # A token longer than a read starts here; the read ends right after it, since
                # what follows may be deep nesting.
                cut = self._first_token_end(start, end)
            if cut > start:
                break
            window *= 2
        self.position = cut
        return self.data[start:cut]

    def _fill(self, end: int) -> None:
        while not self.eof and len(self.data) < end:
            more = self.stream.read(max(end - len(self.data), self.size))
            if not more:
                self.eof = True
            self.data += more

    def _last_boundary(self, start: int, end: int) -> int:
        """The last offset up to ``end`` between tokens; ``start`` if the first is unfinished."""
        window = self.data[start:end]
        if b"\\" not in window:  # no escapes: quotes pair up, and counting them is enough
            if window.count(b'"') % 2:
                return start + window.rindex(b'"')
        else:
            outside = _COMPLETE_TOKENS.match(self.data, start, end)
            assert outside is not None  # the pattern matches the empty string
            if outside.end() < end:
                return outside.end()  # before the opening quote of an unfinished string
        return start + len(window.rstrip(_NUMBER_BYTES))

    def _first_token_end(self, start: int, end: int) -> int:
        """Where the string or number at ``start`` ends, if it does before ``end``."""
        if self.data[start] == ord('"'):
            close = self.data.find(b'"', start + 1, end)
            if close < 0:
                return start
            if self.data.find(b"\\", start + 1, close) < 0:
                return close + 1
        token = _FIRST_TOKEN.match(self.data, start, end)
        if token and (token.end() < end or self.data[start] == ord('"')):
            return token.end()
        return start


def events(
    stream: IO[bytes], max_depth: int = MAX_DEPTH, multiple_values: bool = False
) -> Iterator[tuple[str, str, Any]]:
    """ijson's (prefix, event, value) events; ParseError on bad JSON, undecodable text or
    nesting deeper than ``max_depth``."""
    depth = 0
    with _json_errors():
        for path, event, value in ijson.parse(
            TokenAlignedReader(stream),
            buf_size=BUFFER,
            multiple_values=multiple_values,
            use_float=True,
        ):
            if event in _OPENING:
                depth += 1
                if depth > max_depth:
                    raise ParseError(f"JSON nested deeper than {max_depth} levels")
            elif event in _CLOSING:
                depth -= 1
            yield path, event, value


def basic_events(
    stream: IO[bytes], max_depth: int = MAX_DEPTH, multiple_values: bool = False
) -> Iterator[tuple[str, Any]]:
    """ijson's (event, value) events, bounded as ``events`` are; without prefixes, which a
    reader that keeps its own place need not pay for."""
    depth = 0
    with _json_errors():
        for event, value in ijson.basic_parse(
            TokenAlignedReader(stream),
            buf_size=BUFFER,
            multiple_values=multiple_values,
            use_float=True,
        ):
            if event in _OPENING:
                depth += 1
                if depth > max_depth:
                    raise ParseError(f"JSON nested deeper than {max_depth} levels")
            elif event in _CLOSING:
                depth -= 1
            yield event, value


_OPENING = frozenset({"start_map", "start_array"})
_CLOSING = frozenset({"end_map", "end_array"})


@contextlib.contextmanager
def _json_errors() -> Iterator[None]:
    try:
        yield
    except ijson.JSONError as exc:
        raise ParseError(f"invalid JSON: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8: {exc}") from exc


def iter_items(data: bytes, prefix: str, max_depth: int = MAX_DEPTH) -> Iterator[object]:
    """Yield each value found at ``prefix`` (e.g. ``elements.item``) of a bounded JSON stream."""
    builder: ijson.ObjectBuilder | None = None
    for path, event, value in events(io.BytesIO(data), max_depth):
        if builder is None and path == prefix:
            if event not in ("start_map", "start_array"):
                yield value
                continue
            builder = ijson.ObjectBuilder()
        if builder is not None:
            builder.event(event, value)
            if path == prefix and event in ("end_map", "end_array"):
                yield builder.value
                builder = None
