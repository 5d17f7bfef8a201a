"""The TED entry point: format sniffing, API JSON, and hostile or broken input."""

import base64
import json
import socket
from pathlib import Path

import pytest

from crawlers.parsers import ted, ted_api
from crawlers.parsers.errors import ParseError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ted"
API = FIXTURES / "ted-api"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("ted-*/*.*")), ids=lambda p: p.name)
def test_sniff_and_parse_every_fixture(path):
    data = path.read_bytes()
    expected = {"ted-eforms": "ted-eforms", "ted-legacy": "ted-legacy"}.get(path.parent.name)
    if expected is None:
        expected = "ted-api-v3" if "-v3-" in path.name else "ted-api-v2"
    assert ted.sniff(data[:65536]) == expected
    items = list(ted.parse(data))
    assert items and all(i["kind"] == "notice" and i["source"] == "ted" for i in items)


def test_v3_search_page_with_surveillance_notices():
    data = (API / "ted-v3-search_cpv32323500_page1.json").read_bytes()
    page = ted_api.search_page(data)
    assert page.total == 1120 and page.next_token is None and not page.timed_out
    award, tender = list(ted.parse(data))
    assert award["source_id"] == "351100-2025" and award["notice_type"] == "award"
    assert award["buyer"]["name"] == "Bieszczadzki Oddział Straży Granicznej"
    assert award["buyer"]["country"] == "POL"
    assert award["suppliers"] == [
        {
            "name": "Uniforce Spółka z ograniczoną odpowiedzialnością Spółka komandytowa",
            "country": "POL",
        }
    ]
    assert award["value"] == {"amount": 1248710.76, "currency": "PLN"}
    assert award["cpv"] == ["32323500", "32260000", "31158100", "32580000", "44512000"]
    assert award["published"] == "2025-06-02+02:00" and award["dispatched"] == "2025-05-29Z"
    assert award["procedure_id"] == "d56552c1-e3cd-4ff8-8b7e-5acffc65c3ad"
    assert award["language"] == "pol" and award["title"].startswith("Polska – ")
    assert award["links"]["xml"] == "https://ted.europa.eu/en/notice/351100-2025/xml"
    assert award["links"]["html"] == "https://ted.europa.eu/en/notice/-/detail/351100-2025"
    assert tender["source_id"] == "353033-2025" and tender["notice_type"] == "tender"
    assert tender["cpv"] == ["32323500"] and tender["value"] is None
    assert ted_api.xml_url(page.notices[1]) == "https://ted.europa.eu/en/notice/353033-2025/xml"


def test_v3_page_with_minimal_fields():
    items = list(ted.parse((API / "ted-v3-search_response_2notices.json").read_bytes()))
    # The recorded response repeats one notice.
    assert [i["source_id"] for i in items] == ["67623-2022", "67623-2022"]
    assert items[0]["published"] == "2022-02-06T23:00:00Z"
    assert items[0]["detail"] == "search-metadata"


@pytest.mark.parametrize(
    "name, source_id, notice_type, country, cpv, published",
    [
        ("ted-v2-notice_633448-2021.json", "633448-2021", "award", "DE", "80000000", "20211210"),
        ("ted-v2-notice_408313-2020.json", "408313-2020", "award", "BE", "73210000", "20200901"),
        (
            "ted-v2-notice_eform-622690-2023.json",
            "622690-2023",
            "tender",
            "FIN",
            "92610000",
            "2023-10-13Z",
        ),
        (
            "ted-v2-search_2021-OJS237-623049.json",
            "67623-2022",
            "award",
            "DE",
            "50630000",
            "20220207",
        ),
    ],
)
def test_v2_records_decode_their_xml(name, source_id, notice_type, country, cpv, published):
    (item,) = list(ted.parse((API / name).read_bytes()))
    assert item["source_id"] == source_id
    assert item["notice_type"] == notice_type
    assert item["buyer"]["country"] == country
    assert item["cpv"][0] == cpv
    assert item["published"] == published


def test_v2_record_with_raw_xml_content():
    record = json.loads((API / "ted-v2-notice_633448-2021.json").read_bytes())
    record["content"] = base64.b64decode(record["content"]).decode("utf-8")
    (item,) = list(ted.parse(json.dumps(record).encode()))
    assert item["source_id"] == "633448-2021"
    assert item["buyer"]["name"] == "Bundesagentur für Arbeit, Regionales Einkaufszentrum Nord"


def test_malformed_xml_names_the_document():
    data = (FIXTURES / "ted-legacy" / "20-198944-001-EXP.xml").read_bytes()[:5000]
    with pytest.raises(ParseError, match="notice-20-198944.*malformed XML"):
        list(ted.parse(data, url="notice-20-198944"))


def test_not_ted_is_refused():
    with pytest.raises(ParseError, match="not a TED document"):
        list(ted.parse(b'{"releases": []}'))


def test_bad_v2_content_is_named():
    with pytest.raises(ParseError, match="TED v2 record 1-2024.*base64"):
        list(ted.parse(b'{"ND": "1-2024", "TD": "3", "content": "%%%not base64"}'))


@pytest.fixture
def listener():
    """A local socket that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    yield server
    server.close()


def _connected(server: socket.socket) -> bool:
    try:
        server.accept()[0].close()
        return True
    except TimeoutError:
        return False


def test_external_dtd_is_not_fetched(listener):
    port = listener.getsockname()[1]
    data = (FIXTURES / "ted-legacy" / "20-164186-001-EXP.xml").read_bytes()
    doctype = f'<!DOCTYPE TED_EXPORT SYSTEM "http://127.0.0.1:{port}/ted.dtd">'.encode()
    data = data.replace(b"?>", b"?>" + doctype, 1)
    (item,) = list(ted.parse(data))
    assert item["source_id"] == "161232-2020"
    assert not _connected(listener)


def test_external_entity_is_refused_without_network(listener):
    port = listener.getsockname()[1]
    data = (FIXTURES / "ted-legacy" / "20-164186-001-EXP.xml").read_bytes()
    doctype = (
        f'<!DOCTYPE TED_EXPORT [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p"> %p;'
        f'<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    ).encode()
    data = data.replace(b"?>", b"?>" + doctype, 1)
    with pytest.raises(ParseError, match="entity declarations are refused"):
        list(ted.parse(data, url="xxe.xml"))
    assert not _connected(listener)


def test_billion_laughs_is_refused_unexpanded():
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE TED_EXPORT [<!ENTITY l0 "lol">{levels}]>'
        '<TED_EXPORT xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9/'
        'publication">&l9;</TED_EXPORT>'
    ).encode()
    with pytest.raises(ParseError, match="bomb.xml: entity declarations are refused"):
        list(ted.parse(bomb, url="bomb.xml"))
