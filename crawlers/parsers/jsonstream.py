"""Streaming the values of a JSON array with ijson, nesting bounded before it costs anything."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

import ijson

from crawlers.parsers.errors import ParseError

MAX_DEPTH = 64
# ijson emits a whole buffer's events at once, each with a prefix as long as the nesting: a small
# buffer lets the depth check fire before a hostile, deeply nested document gets expensive.
BUFFER = 2048


def events(
    stream: IO[bytes], max_depth: int = MAX_DEPTH, multiple_values: bool = False
) -> Iterator[tuple[str, str, Any]]:
    """ijson's (prefix, event, value) events; ParseError on bad JSON, undecodable text or
    nesting deeper than ``max_depth``."""
    depth = 0
    try:
        for path, event, value in ijson.parse(
            stream, buf_size=BUFFER, multiple_values=multiple_values, use_float=True
        ):
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > max_depth:
                    raise ParseError(f"JSON nested deeper than {max_depth} levels")
            elif event in ("end_map", "end_array"):
                depth -= 1
            yield path, event, value
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
