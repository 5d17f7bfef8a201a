"""The bounded JSON event stream: linear in long tokens, nesting still bounded."""

from __future__ import annotations

import io
import json

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.parsers import jsonstream
from crawlers.parsers.errors import ParseError

LONG = 200_000


def long_tokens() -> tuple[bytes, list[tuple[int, int]]]:
    """A release package with a long string, a long escaped string and a long number, and the
    byte spans of those three tokens."""
    parts = [
        b'{"releases": [{"id": "r1", "description": ',
        b'"' + b"a" * LONG + b'"',
        b', "title": ',
        b'"' + b'\\"\\n\\u00e9' * (LONG // 10) + b'"',
        b', "value": {"amount": ',
        b"0." + b"1" * LONG,
        b"}}]}",
    ]
    spans, offset = [], 0
    for index, part in enumerate(parts):
        if index in (1, 3, 5):
            spans.append((offset, offset + len(part)))
        offset += len(part)
    return b"".join(parts), spans


def test_no_read_ends_inside_a_long_token(monkeypatch):
    """yajl lexes a token split across reads again from its start: O(n²) in the token's length."""
    data, spans = long_tokens()
    boundaries: list[int] = []
    parse = ijson.parse

    class Recorder:
        def __init__(self, stream):
            self.stream, self.offset = stream, 0

        def read(self, n=-1):
            chunk = self.stream.read(n)
            self.offset += len(chunk)
            if chunk:
                boundaries.append(self.offset)
            return chunk

    monkeypatch.setattr(
        jsonstream.ijson, "parse", lambda stream, **kw: parse(Recorder(stream), **kw)
    )
    found = list(jsonstream.events(io.BytesIO(data)))
    assert ("releases.item.value.amount", "number", float("0." + "1" * LONG)) in found
    assert ("releases.item.description", "string", "a" * LONG) in found
    inside = [b for b in boundaries for start, end in spans if start < b < end]
    assert inside == []
    # Structure still arrives a buffer at a time: the depth check fires before a deep document
    # gets expensive.
    assert len(boundaries) > len(data) // (LONG * 2)


def test_deep_nesting_after_a_long_string_is_still_refused():
    data = b'["' + b"x" * LONG + b'", ' + b"[" * 100_000 + b"]" * 100_000 + b"]"
    with pytest.raises(ParseError, match="nested deeper than 64"):
        list(jsonstream.events(io.BytesIO(data)))


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(1 - 2**63, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=800),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=24,
)


@settings(max_examples=60, deadline=None)
@given(JSON, st.booleans())
def test_events_are_ijsons_own_wherever_the_reads_fall(document, ascii_only):
    data = json.dumps(document, ensure_ascii=ascii_only).encode()
    expected = list(ijson.parse(io.BytesIO(data), use_float=True))
    assert list(jsonstream.events(io.BytesIO(data), max_depth=1000)) == expected


def test_reads_concatenate_to_the_stream():
    data, _ = long_tokens()
    reader = jsonstream.TokenAlignedReader(io.BytesIO(data), size=100)
    chunks = list(iter(lambda: reader.read(100), b""))
    assert b"".join(chunks) == data
    assert max(len(c) for c in chunks) < 2 * LONG + 200
