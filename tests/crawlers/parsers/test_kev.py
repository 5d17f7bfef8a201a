"""The CISA Known Exploited Vulnerabilities catalog: items per CVE, values as written."""

from __future__ import annotations

import json

import pytest

from crawlers.parsers import detect_format, kev, parse_document
from crawlers.parsers.errors import ParseError
from tests.conftest import FIXTURES

CATALOG = FIXTURES / "security" / "cisa-kev_selected.json"
SCHEMA = FIXTURES / "security" / "cisa-kev_schema.json"


def test_every_entry_is_one_vulnerability_item_with_the_catalog_values():
    items = list(parse_document(CATALOG.read_bytes()))
    assert detect_format(CATALOG.read_bytes()) == "cisa-kev-json"
    assert len(items) == json.loads(CATALOG.read_text("utf-8"))["count"] == 19
    hikvision = next(i for i in items if i["source_id"] == "CVE-2021-36260")
    assert hikvision == {
        **hikvision,
        "kind": "vulnerability",
        "source": "cisa-kev",
        "vendor_project": "Hikvision",
        "product": "Security cameras web server",
        "published": "2022-01-10",
        "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-36260",
    }
    assert hikvision["title"].startswith("Hikvision")
    assert hikvision["cwes"] == ["CWE-78"]


def test_every_field_of_the_schema_is_read():
    schema = json.loads(SCHEMA.read_text("utf-8"))
    fields = set(schema["$defs"]["vulnerability"]["properties"])
    assert fields - set(kev._FIELDS) == {"cveID", "cwes"}


def test_the_catalog_release_is_not_part_of_an_entry():
    # A new release re-dates the whole catalog; unchanged entries must stay unchanged.
    catalog = json.loads(CATALOG.read_text("utf-8"))
    first = list(kev.parse(CATALOG.read_bytes()))
    catalog["catalogVersion"], catalog["dateReleased"] = "2099.01.01", "2099-01-01T00:00:00Z"
    assert list(kev.parse(json.dumps(catalog).encode())) == first


def test_entries_without_a_valid_cve_are_skipped_and_the_rest_kept(caplog):
    body = json.dumps(
        {
            "catalogVersion": "1",
            "dateReleased": "2025-01-01",
            "count": 3,
            "vulnerabilities": [
                {"cveID": "not a cve", "vendorProject": "X"},
                "junk",
                {"cveID": "CVE-2024-8956", "vendorProject": "PTZOptics", "cwes": "CWE-287"},
            ],
        }
    ).encode()
    items = list(kev.parse(body))
    assert [i["source_id"] for i in items] == ["CVE-2024-8956"]
    assert items[0]["cwes"] == [] and items[0]["product"] is None
    assert "catalog entry skipped" in caplog.text


@pytest.mark.parametrize(
    "body",
    [b'{"vulnerabilities": []}', b"[]", b'{"catalogVersion": "1", "vulnerabilities": [', b""],
)
def test_what_is_not_a_catalog_raises_parse_error(body):
    with pytest.raises(ParseError):
        list(kev.parse(body))
