"""The OCDS parser's two paths, a page parsed whole with orjson and a document streamed with
ijson, give the same items, package metadata and errors for every shape and fixture."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from crawlers.parsers import ocds
from crawlers.parsers.errors import ParseError
from tests.conftest import FIXTURES, SNAPSHOT

OCDS = FIXTURES / "ocds"
SNAPSHOT_DOCUMENTS = [
    SNAPSHOT / "contracts-finder" / "search-page-1.json",
    SNAPSHOT / "contracts-finder" / "search-page-2.json",
    SNAPSHOT / "find-a-tender" / "release-packages-page-1.json",
    SNAPSHOT / "find-a-tender" / "release-packages-page-2.json",
    SNAPSHOT / "sell2wales" / "notices.json",
    SNAPSHOT / "public-contracts-scotland" / "notices.json",
    SNAPSHOT / "ocds-package" / "record-package.json",
]
FILES = sorted(OCDS.glob("*.json")) + SNAPSHOT_DOCUMENTS


def _releases() -> list[dict]:
    return json.loads((OCDS / "ua-prozorro_release-package_2-contract-releases.json").read_text())[
        "releases"
    ]


def _record() -> dict:
    name = "ua-prozorro_record-package_ocds-be6bcu-UA-2018-06-22-001789-a.json"
    return json.loads((OCDS / name).read_text())["records"][0]


def _dumps(value: object, indent: int | None = None, ensure_ascii: bool = False) -> bytes:
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent).encode()


def _shapes() -> dict[str, bytes]:
    releases, record = _releases(), _record()
    packages = [{"uri": "u1", "releases": releases[:1]}, {"uri": "u2", "releases": releases[1:]}]
    linked = {"url": "https://example.org/release.json?id=1", "date": releases[0]["date"]}
    bare = {k: v for k, v in releases[0].items() if k != "ocid"}
    many = [{**releases[0], "id": str(n)} for n in range(ocds.MAX_HELD + 5)]
    return {
        "array of packages": _dumps(packages),
        "lines of packages": b"\n".join(_dumps(p) for p in packages),
        "lines with blank lines and CRLF": b"\r\n\r\n".join(_dumps(p) for p in packages) + b"\n",
        "pretty values one after another": b"\n".join(_dumps(p, indent=2) for p in packages),
        "values on one line": b" ".join(_dumps(p) for p in packages),
        "packages[]": _dumps({"version": "1.1", "packages": packages}),
        "array of releases": _dumps(releases),
        "nested arrays and scalars": _dumps([[releases[0]], 1, "x", None, [[releases[1]]]]),
        "lines of releases": b"\n".join(_dumps(r) for r in releases),
        "record package and a release": _dumps({"version": "1.1", "records": [record]})
        + b"\n"
        + _dumps(releases[1]),
        "bare record": _dumps(record),
        "record with only releases": _dumps(
            {"ocid": releases[0]["ocid"], "releases": [linked, bare]}
        ),
        "record package, ocid last": _dumps(
            {"records": [{"releases": [linked, bare], "ocid": releases[0]["ocid"]}]}
        ),
        "releases before the package keys": _dumps(
            {"releases": releases, "uri": "u", "links": {"next": "https://example.org/2"}}
        ),
        "more releases held than a record has": _dumps({"releases": many, "ocid": "ocds-x"}),
        "records and releases in one object": _dumps({"releases": releases, "records": [record]}),
        "escapes and brackets in strings": _dumps(
            {"releases": [{**releases[0], "title": 'a "[{" \\ ]]] }} \n \u00e9 \\"'}]},
            ensure_ascii=True,
        ),
        "empty package": b'{"releases": []}',
    }


def _bad_documents() -> dict[str, bytes]:
    release = _dumps(_releases()[0])
    return {
        "cut short after a release": b'{"releases": [' + release + b', {"ocid": "ocds-x", "id"',
        "65 levels": b'{"uri": "u", "releases": ['
        + release
        + b", "
        + b"[" * 63
        + b"]" * 63
        + b"]}",
        "2000 levels": b'{"releases": [' + release + b", " + b"[" * 2000 + b"]" * 2000 + b"]}",
        "deep objects": b'{"releases": [' + b'{"a": ' * 70 + b"1" + b"}" * 70 + b"]}",
        "brackets in strings hide no depth": b'["]"' + b', ["]"' * 70 + b"]" * 70 + b"]",
        "an integer beyond 64 bits": b'{"releases": ['
        + release
        + b', {"a": 9223372036854775808}]}',
        # orjson reads integers beyond 2**64 as floats, and -2**63 as an integer yajl refuses.
        "an integer beyond 2**64": b'{"releases": [' + release + b", 18446744073709551616]}",
        "the lowest 64-bit integer": b'{"releases": [' + release + b", -9223372036854775808]}",
        "the largest integers yajl reads": b'{"releases": [' + release + b", 9223372036854775807, "
        b"-9223372036854775807]}",
        "a top-level scalar after a release": release + b"\n42\n" + release,
        "a lone surrogate escape": b'{"releases": [{"ocid": "ocds-x", "id": "1", "title": '
        b'"\\ud800"}]}',
        "a byte order mark": b"\xef\xbb\xbf" + release,
        "latin-1": '{"releases": [{"ocid": "ocds-x", "id": "1", "title": "Vid\u00e9o"}]}'.encode(
            "latin-1"
        ),
        "empty": b"",
        "only spaces": b"  \n ",
        "a release without an ocid": b'{"releases": [' + release + b', {"id": "2"}]}',
        "a top-level string": b'"ocds"',
        "a form feed after the value": release + b"\x0c",
        "a leading zero": b"01",
        # Parsed whole inside single-item arrays, these would read as one value.
        "two values closing and reopening an array": b'{"releases": []}], [{"releases": []}',
        "two values after a comma": b'{"releases": []}, {"releases": []}',
    }


def outcome(data: bytes, whole_limit: int) -> tuple[list[dict], dict, str | None]:
    """Items up to the first error, the package's metadata, and the error."""
    package = ocds.Package()
    items: list[dict] = []
    error = None
    try:
        for item in ocds.parse(data, package=package, whole_limit=whole_limit):
            items.append(item)
    except ParseError as exc:
        error = str(exc)
    return items, vars(package), error


DOCUMENTS = {
    **{path.name: path.read_bytes() for path in FILES},
    **_shapes(),
    **_bad_documents(),
}


@pytest.mark.parametrize("name", DOCUMENTS)
@pytest.mark.parametrize("limit", [0, 1000])
def test_a_document_parsed_whole_gives_what_streaming_gives(name, limit):
    data = DOCUMENTS[name]
    assert outcome(data, ocds.WHOLE_MAX_BYTES) == outcome(data, limit)


@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).name)
def test_every_fixture_is_parsed_whole(path):
    assert ocds._whole_values(path.read_bytes()) is not None


@pytest.mark.parametrize(
    "name",
    [
        "65 levels",
        "2000 levels",
        "deep objects",
        "brackets in strings hide no depth",
        "an integer beyond 64 bits",
        "an integer beyond 2**64",
        "the lowest 64-bit integer",
        "a lone surrogate escape",
    ],
)
def test_documents_only_the_stream_can_judge_are_streamed(name):
    assert ocds._whole_values(DOCUMENTS[name]) is None


def test_integers_yajl_reads_are_parsed_whole():
    assert ocds._whole_values(DOCUMENTS["the largest integers yajl reads"]) is not None


def test_long_digit_runs_in_strings_are_parsed_whole():
    release = {**_releases()[0], "title": "call 0044 1234 5678901234567890123"}
    assert ocds._whole_values(_dumps({"releases": [release]})) is not None


@pytest.mark.parametrize(
    "name", ["two values closing and reopening an array", "two values after a comma"]
)
def test_more_than_one_value_is_not_parsed_whole(name):
    assert ocds._whole_values(DOCUMENTS[name]) is None


def test_64_levels_are_parsed_whole():
    release = _dumps(_releases()[0])
    data = b'{"uri": "u", "releases": [' + release + b", " + b"[" * 62 + b"]" * 62 + b"]}"
    assert ocds._whole_values(data) is not None
    assert outcome(data, ocds.WHOLE_MAX_BYTES) == outcome(data, 0)


def test_nesting_deeper_than_64_is_refused_after_the_releases_before_it():
    items, _, error = outcome(DOCUMENTS["65 levels"], ocds.WHOLE_MAX_BYTES)
    assert len(items) == 1
    assert error == "JSON nested deeper than 64 levels"


def test_a_compressed_member_larger_than_the_limit_is_streamed_from_its_first_bytes():
    lines = b"\n".join(_dumps(r) for r in _releases()) + b"\n"
    whole = list(ocds.parse(gzip.compress(lines)))
    assert [i["source_id"] for i in whole] == [
        i["source_id"] for i in ocds.parse(gzip.compress(lines), whole_limit=100)
    ]
    assert len(whole) == 2
