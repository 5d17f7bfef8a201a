"""gzip, zip and tar inputs read member by member, within the crawler's decompression limits."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile

import pytest

from crawlers.parsers import compressed, parse_document, parse_members
from crawlers.parsers.errors import ParseError
from tests.conftest import FIXTURES, SNAPSHOT

PROZORRO = FIXTURES / "ocds" / "ua-prozorro_release-package_2-contract-releases.json"
LEGACY = FIXTURES / "ted" / "ted-legacy" / "20-198944-001-EXP.xml"


def jsonl() -> bytes:
    releases = json.loads(PROZORRO.read_text("utf-8"))["releases"]
    return b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in releases) + b"\n"


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_ocds_bulk_jsonl_gz_is_streamed_release_by_release():
    items = list(parse_document(gzip.compress(jsonl()), url=None))
    assert [i["procedure_id"] for i in items] == [
        "ocds-be6bcu-UA-2018-06-22-001789-a",
        "ocds-be6bcu-UA-2018-06-22-000497-c",
    ]
    named = list(parse_members(gzip.compress(jsonl()), name="ua_full.jsonl.gz"))
    assert [name for name, _ in named] == ["ua_full.jsonl"]


def test_the_ted_daily_package_gives_every_notice():
    package = (SNAPSHOT / "ted" / "daily-package.tar.gz").read_bytes()
    found = {}
    for name, items in parse_members(package, name="82_2020.tar.gz"):
        found[name] = [i["source_id"] for i in items]
    assert found["82_2020.tar#20-198944-001-EXP.xml"] == ["194753-2020"]
    assert found["82_2020.tar#ted-727192-2023.xml"] == ["727192-2023"]
    assert len(found) == 7


def test_a_zip_of_mixed_documents_and_a_gzip_inside_it():
    data = zipped(
        {
            "ocds/releases.jsonl.gz": gzip.compress(jsonl()),
            "ted/194753_2020.xml": LEGACY.read_bytes(),
            "empty-dir/": b"",
        }
    )
    items = list(parse_document(data))
    assert [i["source"] for i in items] == ["ocds", "ocds", "ted"]
    assert items[0]["package_member"] == "ocds/releases.jsonl"
    assert items[2]["package_member"] == "ted/194753_2020.xml"


def test_a_bad_member_is_its_own_error_and_the_others_still_parse():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in (
            ("bad.xml", b"<TED_EXPORT><unclosed>"),
            ("good.xml", LEGACY.read_bytes()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    results = {}
    for name, items in parse_members(buffer.getvalue()):
        try:
            results[name] = [i["source_id"] for i in items]
        except ParseError as exc:
            results[name] = str(exc)
    assert "malformed XML" in results["bad.xml"]
    assert results["good.xml"] == ["194753-2020"]


def test_decompression_bombs_stop_at_the_limit(monkeypatch):
    monkeypatch.setattr(compressed, "MAX_MEMBER_BYTES", 1024 * 1024)
    bomb = gzip.compress(b'{"releases": [' + b" " * (8 * 1024 * 1024) + b"]}")
    assert len(bomb) < 20_000
    (member,) = compressed.members(io.BytesIO(zipped({"bomb.json": b" " * (4 * 1024 * 1024)})))
    with pytest.raises(ParseError, match="decompresses to more than"):
        member.read(limit=1024 * 1024)
    # Streamed members stop at the archive limit.
    monkeypatch.setattr(compressed, "MAX_ARCHIVE_BYTES", 1024 * 1024)
    (member,) = compressed.members(io.BytesIO(bomb))
    with pytest.raises(ParseError, match="more than the limit"):
        member.stream.read()


def test_truncated_gzip_is_a_parse_error_not_a_crash():
    data = gzip.compress(jsonl())
    with pytest.raises(ParseError, match="truncated or corrupt"):
        list(parse_document(data[: len(data) // 2]))
