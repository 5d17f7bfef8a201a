"""Hostile documents against the real parsers and crawl store: entity tricks, deep JSON, broken
text, endless dates. Each either gives records or fails with a ParseError, with its work bounded
(counted here; benchmarks/bench_hostile.py times the same documents)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dateparser.date import DateDataParser
from lxml import etree

from crawlers import xmlsafe
from crawlers.parsers import jsonstream, parse_document
from crawlers.parsers.errors import ParseError
from crawlers.store import CrawlStore
from registry.normalise.dates import MAX_DATEPARSER_CHARS, parse_date
from registry.normalise.money import parse_money
from registry.normalise.record import normalise_record
from registry.normalise.redact import redact_text
from registry.replay import ReplayServer
from tests.conftest import FIXTURES
from tests.hardening.conftest import crawl, last_run, stored_items
from tests.registry.helpers import notice
from tests.work import python_lines

SECRET = "TOPSECRET-7f3a"

# One recorded notice per XML format; its title is replaced by the entity reference, so an
# expanded entity would show in the item's title.
XML_FIXTURES = {
    "ted-eforms": "ted/ted-eforms/sdk-example-cn_24_cumbria.xml",
    "ted-legacy": next(
        str(p.relative_to(FIXTURES)) for p in sorted((FIXTURES / "ted/ted-legacy").glob("*.xml"))
    ),
}


@pytest.fixture
def canary():
    """A loopback HTTP server that any fetched entity, DTD or include would hit."""
    server = ReplayServer(
        routes=[{"path": p, "body": f'<!ENTITY x "{SECRET}">'} for p in ("/e", "/dtd", "/x")]
    )
    with server:
        yield server


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def payloads(canary_url: str, secret: Path) -> dict[str, tuple[str, str]]:
    """name → (internal DTD or "", the reference placed where the title text was)."""
    lol = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    return {
        "xxe-file": (f'[<!ENTITY x SYSTEM "file://{secret}">]', "&x;"),
        "xxe-http": (f'[<!ENTITY x SYSTEM "{canary_url}/e">]', "&x;"),
        "parameter-entity": (f'[<!ENTITY % p SYSTEM "{canary_url}/x"> %p;]', "&x;"),
        "external-dtd": (f'SYSTEM "{canary_url}/dtd"', "&x;"),
        "external-dtd-file": (f'SYSTEM "file://{secret}"', "&x;"),
        "billion-laughs": (f"[{lol}]", "&l9;"),
    }


def hostile(document: bytes, root: str, dtd: str, reference: str, title: str) -> bytes:
    """The document with a DOCTYPE before its root and ``reference`` instead of its title."""
    text = document.decode("utf-8")
    start = text.index(f"<{root}")
    text = f"{text[:start]}<!DOCTYPE {root} {dtd}>\n{text[start:]}".replace(title, reference, 1)
    return text.encode("utf-8")


@pytest.fixture
def tree_text(monkeypatch) -> list[int]:
    """The characters of text in each tree lxml builds: an expanded entity would outgrow the
    document, even if the parser refused the tree afterwards."""
    sizes: list[int] = []
    original = etree.fromstring

    def fromstring(data, parser=None, **kwargs):
        root = original(data, parser, **kwargs)
        sizes.append(sum(len(text) for text in root.itertext()))
        return root

    monkeypatch.setattr(etree, "fromstring", fromstring)
    return sizes


def _root_and_title(data: bytes) -> tuple[str, str]:
    root = xmlsafe.fromstring(data)
    (item,) = list(parse_document(data))
    return root.tag.split("}")[-1], item["title"]


@pytest.mark.parametrize("variant", ["plain", "utf-16", "padded"])
@pytest.mark.parametrize("attack", list(payloads("", Path())))
@pytest.mark.parametrize("fmt", sorted(XML_FIXTURES))
def test_xml_entities_are_neither_expanded_nor_fetched(
    fmt, attack, variant, canary, secret_file, tree_text
):
    clean = (FIXTURES / XML_FIXTURES[fmt]).read_bytes()
    root, title = _root_and_title(clean)
    dtd, reference = payloads(canary.url, secret_file)[attack]
    data = hostile(clean, root, dtd, reference, title)
    if variant == "utf-16":  # the bytes "<!DOCTYPE" and "<!ENTITY" no longer appear as such
        text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
        data = text.encode("utf-16")
    elif variant == "padded":  # the DOCTYPE sits beyond the first 64 KiB that are sniffed
        data = data.replace(b"?>", b"?><!--" + b" " * 70000 + b"-->", 1)
    tree_text.clear()
    try:
        items = list(parse_document(data, format=fmt))
    except ParseError as exc:
        assert "entit" in str(exc).lower() or "malformed XML" in str(exc)
        items = []
    assert all(size <= len(data) for size in tree_text), (tree_text, len(data))
    assert canary.hits == []
    assert SECRET not in json.dumps(items) and "lollol" not in json.dumps(items)
    if "SYSTEM" not in dtd or "[" in dtd:  # an internal subset declares entities: refused
        assert items == []


def test_xinclude_is_not_processed(canary, secret_file):
    data = (
        '<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><item>'
        f'<title><xi:include href="file://{secret_file}" parse="text"/></title>'
        f'<link><xi:include href="{canary.url}/x" parse="text"/></link></item></channel></rss>'
    ).encode()
    root = xmlsafe.fromstring(data, "feed")
    assert SECRET not in "".join(root.itertext())
    assert canary.hits == []


def test_hostile_feed_and_sitemap_in_a_real_crawl_fetch_nothing(data_dir, canary, secret_file):
    feed = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{canary.url}/e">]>'
        f"<rss><channel><item><link>&x;</link></item></channel></rss>"
    )
    sitemap = (
        '<?xml version="1.0"?><!--' + " " * 70000 + "-->"
        f'<!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        f'<!ENTITY x SYSTEM "file://{secret_file}">]>'
        "<urlset><url><loc>&x;&b;</loc></url></urlset>"
    )
    routes = [
        {"path": "/feed.xml", "body": feed, "headers": {"Content-Type": "application/rss+xml"}},
        {"path": "/sitemap.xml", "body": sitemap, "headers": {"Content-Type": "text/xml"}},
    ]
    with ReplayServer(routes=routes) as server:
        result = crawl(
            "news-feed", {"feed": f"{server.url}/feed.xml", "sitemap": f"{server.url}/sitemap.xml"}
        )
        hits = sorted(server.hits)
    assert canary.hits == []
    assert hits == ["GET /feed.xml", "GET /robots.txt", "GET /sitemap.xml"]
    for name in ("feed", "sitemap"):
        assert (
            f"failed document: source=news-feed url={server.url}/{name}.xml "
            f"reason=unreadable {name}: {name}: entity declarations are refused"
        ) in result.stderr
    run = last_run("news-feed")
    assert (run["errors"], run["records_new"]) == (2, 0)
    assert stored_items() == {}


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def _deep_objects(n: int) -> bytes:
    return b'{"a":' * n + b"1" + b"}" * n


DEEP = {
    "ocds": b'{"releases": [' + _deep(100_000) + b"]}",
    "ocds-objects": b'{"releases": [' + _deep_objects(100_000) + b"]}",
    "ted-api-v3": b'{"totalNoticeCount": 1, "notices": [' + _deep(100_000) + b"]}",
    "ted-api-v2": b'{"ND": 1, "content": 1, "results": [' + _deep(100_000) + b"]}",
    "osm-overpass-json": b'{"elements": [' + _deep(100_000) + b"]}",
    "osm-bare-array": _deep(100_000),
}


@pytest.fixture
def streamed(monkeypatch) -> list[int]:
    """The size of each read the streaming JSON parser makes of a document."""
    reads: list[int] = []

    class Counted(jsonstream.TokenAlignedReader):
        def read(self, n: int = -1) -> bytes:
            chunk = super().read(n)
            reads.append(len(chunk))
            return chunk

    monkeypatch.setattr(jsonstream, "TokenAlignedReader", Counted)
    return reads


@pytest.mark.parametrize("case", sorted(DEEP))
def test_json_nested_1e5_deep_is_refused_before_it_costs(case, streamed):
    fmt = "osm-overpass-json" if case.startswith("osm") else case.removesuffix("-objects")
    with python_lines() as work, pytest.raises(ParseError, match="nested"):
        list(parse_document(DEEP[case], format=fmt))
    # Fewer Python lines than the document has levels: the nesting is never walked.
    assert work.executed < 100_000
    if fmt.startswith("ted-api"):  # read whole; the C decoder's own recursion guard refuses it
        assert streamed == []
    else:  # refused within its first 8 KiB: the rest of the document is never read
        assert 0 < sum(streamed) <= 8 * 1024


LONG_DATES = {
    "spaces-then-date": " " * 9990 + "2024-01-01",
    "date-then-spaces": "2024-01-01" + " " * 9990,
    "digits": "1" * 10_000,
    "words": "March " * 1666,
    "numeric-separators": "12." * 3333,
    "weekday-like": "Mon, " * 2000,
    "ordinals": "1st " * 2500,
}


SHORT = notice("short/1", published="2024-01-01", value={"amount": "41000"})


@pytest.fixture(scope="module")
def short_record_work() -> int:
    """Python lines that normalising a notice with a short date and amount takes, once the
    gazetteer, vendor tables and caches are loaded."""
    normalise_record(SHORT)
    with python_lines() as work:
        normalise_record(SHORT)
    return work.executed


@pytest.fixture
def dateparser_texts(monkeypatch) -> list[str]:
    """Every text handed to dateparser (about a millisecond a call, more for long texts)."""
    texts: list[str] = []
    original = DateDataParser.get_date_data

    def get_date_data(self, date_string, *args, **kwargs):
        texts.append(date_string)
        return original(self, date_string, *args, **kwargs)

    monkeypatch.setattr(DateDataParser, "get_date_data", get_date_data)
    return texts


@pytest.mark.parametrize("case", sorted(LONG_DATES))
def test_ten_thousand_character_dates_take_bounded_work(case, short_record_work, dateparser_texts):
    raw = LONG_DATES[case]
    assert len(raw) >= 9990
    with python_lines() as parsing:
        found = {parse_date(raw), parse_date(raw, languages=["de", "fr"], date_order="MDY")}
        money = parse_money(raw)
    with python_lines() as redacting:
        redact_text(raw)
    with python_lines() as work:
        record = normalise_record(notice("long/1", published=raw, value={"amount": raw}))
    # A long date or amount is refused up front: it never reaches dateparser, reading it costs
    # less than a short record, and the record costs no more than one with a short date plus
    # what redacting any text that long costs (its published copy is redacted like every text).
    assert dateparser_texts == []
    assert parsing.executed <= short_record_work, (parsing.executed, short_record_work)
    budget = 2 * short_record_work + redacting.executed
    assert work.executed <= budget, (work.executed, short_record_work, redacting.executed)
    # Only a date that the string starts with (after blanks) is read; anything else is no date.
    assert found == ({"2024-01-01"} if case.endswith(("-date", "-spaces")) else {None})
    assert record["published"] == (found.pop())
    assert money is None or money.amount >= 0


def test_dateparser_sees_only_short_texts_off_the_fast_path(dateparser_texts):
    assert parse_date("12. März 2024", languages=["de"]) == "2024-03-12"
    padded = "12. März 2024".ljust(MAX_DATEPARSER_CHARS + 1, ".")
    assert parse_date(padded, languages=["de"]) is None
    assert dateparser_texts == ["12. März 2024"]


CSV = FIXTURES / "datasets/atlas-of-surveillance_sample_first-rows.csv"


@pytest.mark.parametrize(
    ("encoding", "outcome"), [("cp1252", "items"), ("utf-16", "error"), ("utf-8", "items")]
)
def test_wrong_charsets_give_items_or_a_clear_error(encoding, outcome):
    text = CSV.read_text("utf-8").replace("Police", "Polizei Zürich", 1)
    data = text.encode(encoding, "replace")
    try:
        items = list(parse_document(data))
    except ParseError as exc:
        assert outcome == "error", exc
        return
    assert outcome == "items" and items
    assert any("Polizei Zürich" in json.dumps(i, ensure_ascii=False) for i in items)


def test_latin_1_html_declared_utf_8_is_read_without_error():
    page = (
        '<html><head><meta charset="utf-8"><title>Caméras de surveillance à Lyon</title></head>'
        "<body><article><h1>Caméras de surveillance à Lyon</h1><p>"
        + "La ville de Lyon installe 41 caméras Hikvision. " * 20
        + "</p></article></body></html>"
    ).encode("latin-1")
    (item,) = parse_document(page, url="https://example.org/a", format="html-article")
    # Bytes that are not UTF-8 fall back to cp1252, which reads Latin-1 text right.
    assert item["title"] == "Caméras de surveillance à Lyon"
    assert "41 caméras Hikvision" in item["text"]


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><rss><channel><title>a\x00b</title></channel></rss>',
        b"\xff\xfe<\x00r\x00>\x00",
        b'{"releases": [{"ocid": "ocds-x", "id": "1", "tender": {"title": "a\x00b"}}]}',
    ],
    ids=["xml-nul", "utf-16-bom-garbage", "json-raw-nul"],
)
def test_raw_nul_bytes_are_a_parse_error(data):
    with pytest.raises(ParseError):
        list(parse_document(data))


def test_escaped_nul_and_lone_surrogates_are_stored_as_valid_text(tmp_path):
    release = {
        "ocid": "ocds-nul",
        "id": "1",
        "date": "2024-01-01",
        "tag": ["tender"],
        "tender": {"title": "CCTV a\u0000b", "description": "bidi \u202e end"},
    }
    (item,) = parse_document(json.dumps({"releases": [release]}).encode())
    assert item["title"] == "CCTV a\x00b"
    surrogate = {**item, "source_id": "ocds-nul/2", "title": "CCTV \ud800 x", "vendors": ["\udfff"]}
    store = CrawlStore(tmp_path / "crawl.db")
    assert store.upsert(item) == "new"
    assert store.upsert(surrogate) == "new"
    assert store.upsert(surrogate) == "unchanged"
    rows = {r["source_id"]: json.loads(r["record"]) for r in store.iter_records()}
    store.close()
    assert rows["ocds-nul/2"]["title"] == "CCTV \ufffd\ufffd\ufffd x"
    assert rows["ocds-nul/2"]["vendors"] == ["\ufffd\ufffd\ufffd"]
    assert rows["ocds-nul/1"]["title"] == "CCTV a\x00b"
