"""``survreg parse``: documents of any format, compressed or not, to normalised JSON lines."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

from registry.cli import main
from tests.conftest import FIXTURES, SNAPSHOT


def run(capsys, *args: str) -> tuple[int, list[dict], str]:
    status = main(["parse", *args])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def test_a_ted_daily_package_parses_member_by_member(capsys, tmp_path):
    package = tmp_path / "82_2020.tar.gz"
    package.write_bytes((SNAPSHOT / "ted" / "daily-package.tar.gz").read_bytes())
    status, records, err = run(capsys, str(package))
    assert status == 0, err
    assert len(records) == 7
    empty_homes = next(r for r in records if r["source_id"] == "194753-2020")
    assert (
        empty_homes["package_member"] == f"{package}".removesuffix(".gz") + "#20-198944-001-EXP.xml"
    )
    assert empty_homes["buyer"]["country"] == "GB"


def test_a_gzipped_prozorro_record_package_is_normalised(capsys, tmp_path):
    source = (
        FIXTURES / "ocds" / "ua-prozorro_record-package_ocds-be6bcu-UA-2018-06-22-001789-a.json"
    )
    path = tmp_path / "record.json.gz"
    path.write_bytes(gzip.compress(source.read_bytes()))
    status, (record,), err = run(capsys, str(path))
    assert status == 0, err
    assert (record["buyer"]["country"], record["cpv"], record["notice_type"]) == (
        "UA",
        ["45450000"],
        "award",
    )


def test_a_bad_member_is_one_line_and_the_rest_is_printed(capsys, tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        legacy = (FIXTURES / "ted" / "ted-legacy" / "20-198944-001-EXP.xml").read_bytes()
        for name, data in (("broken.xml", b"<TED_EXPORT><unclosed>"), ("ok.xml", legacy)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path = tmp_path / "package.tgz"
    path.write_bytes(buffer.getvalue())
    status, records, err = run(capsys, str(path))
    assert status == 1
    assert [r["source_id"] for r in records] == ["194753-2020"]
    (line,) = err.splitlines()
    assert line.startswith(f"{tmp_path / 'package.tar'}#broken.xml: ") and "malformed XML" in line


def test_plain_text_without_a_url_line(capsys, tmp_path):
    text = (FIXTURES / "articles" / "west-suffolk-council_cctv_hikvision.txt").read_text("utf-8")
    path = tmp_path / "excerpt.txt"
    path.write_text(text.split("\n", 1)[1], "utf-8")
    status, (record,), err = run(capsys, str(path))
    assert status == 0, err
    assert record["kind"] == "announcement" and "hikvision" in record["vendors"]
