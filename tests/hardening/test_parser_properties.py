"""Property tests of the document parsers and record normalisers.

Structurally valid documents (tests/hardening/documents.py) are accepted, give back the values
they were built from, and normalise to storable, serialisable records. A few small tests feed
what is not a valid document at all: it gives records or a ParseError, never another exception.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from crawlers.items import item_problems
from crawlers.parsers import detect_format, parse_document
from crawlers.parsers.errors import ParseError
from crawlers.parsers.ocds import release_to_item
from crawlers.store import content_hash
from registry.normalise.announcement import normalise_announcement
from registry.normalise.dataset_row import normalise_dataset_row
from registry.normalise.record import normalise_record
from tests.conftest import FIXTURES
from tests.hardening.documents import (
    ATLAS_HEADER,
    RELEASES,
    Article,
    Notice,
    Release,
    SearchNotice,
    atlas_csv,
    atlas_rows,
    eforms_notice,
    legacy_notice,
    news_article,
    ocds_release,
    overpass_elements,
    record_package,
    release_package,
    ted_search_notice,
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_storable(items: list[dict]) -> None:
    for item in items:
        assert item_problems(item) == [], item
        content_hash(item)


def words(text: str) -> str:
    return " ".join(text.split())


# OCDS


@settings(SETTINGS, max_examples=80)
@given(ocds_release())
def test_a_release_gives_the_values_it_was_written_with(built: Release):
    item = release_to_item(built.release)
    assert item_problems(item) == []
    release, tender = built.release, built.release["tender"]
    assert item["source_id"] == built.source_id and item["procedure_id"] == release["ocid"]
    assert item["title"] == built.title
    assert item["published"] == release["date"] and item["ocds_tags"] == release["tag"]
    assert item["buyer"]["name"] == built.buyer
    assert item["cpv"] == built.cpv
    assert item["url"] == tender["documents"][0]["url"]
    assert [s["name"] for s in item["suppliers"]] == list(dict.fromkeys(built.suppliers))
    # Awarded values in one currency add up; a tender's estimate stands when nothing is awarded.
    currency = built.currency
    if "awards" in built.amounts:
        assert item["value"] == {"amount": sum(built.amounts["awards"]), "currency": currency}
    elif "tender" in built.amounts:
        assert item["value"] == {"amount": built.amounts["tender"][0], "currency": currency}
    else:
        assert item["value"] is None
    record = normalise_record(item)
    assert (record["source_id"], record["cpv"]) == (built.source_id, built.cpv)
    json.dumps(record, allow_nan=False)


def _release_package(releases: list[dict]) -> bytes:
    return json.dumps(release_package(releases, "https://example.org/releases?page=2")).encode()


PACKAGINGS = {
    "release package": _release_package,
    "record package": lambda releases: json.dumps(record_package(releases)).encode(),
    "record package of embedded releases": lambda releases: json.dumps(
        record_package(releases, compiled=False)
    ).encode(),
    "array of releases": lambda releases: json.dumps(releases).encode(),
    "JSON lines": lambda releases: "\n".join(json.dumps(r) for r in releases).encode(),
    "packages[]": lambda releases: json.dumps({"packages": [release_package(releases)]}).encode(),
    "gzip of a release package": lambda releases: gzip.compress(_release_package(releases)),
}


@settings(SETTINGS, max_examples=30)
@given(RELEASES, st.sampled_from(sorted(PACKAGINGS)))
def test_every_ocds_packaging_gives_each_release_once_in_order(built: list[Release], packaging):
    releases = [b.release for b in built]
    data = PACKAGINGS[packaging](releases)
    items = list(parse_document(data))
    assert_storable(items)
    expected = [release_to_item(r) for r in releases]
    assert [(i["source_id"], i["title"], i["value"]) for i in items] == [
        (e["source_id"], e["title"], e["value"]) for e in expected
    ]
    for item in items:
        normalise_record(item)


# TED


@SETTINGS
@given(st.one_of(eforms_notice(), legacy_notice()))
def test_a_ted_notice_gives_the_values_put_into_it(notice: Notice):
    (item,) = parse_document(notice.document)
    assert_storable([item])
    assert item["title"] == words(notice.title)
    assert item["buyer"]["name"] == words(notice.buyer)
    assert item["cpv"][0] == notice.cpv
    if notice.publication_number:
        assert item["source_id"] == notice.publication_number
    json.dumps(normalise_record(item), allow_nan=False)


@SETTINGS
@given(st.lists(ted_search_notice(), min_size=1, max_size=5))
def test_a_ted_search_page_gives_each_notice(notices: list[SearchNotice]):
    page = {
        "notices": [n.fields for n in notices],
        "totalNoticeCount": len(notices),
        "iterationNextToken": "token-2",
        "timedOut": False,
    }
    data = json.dumps(page).encode()
    assert detect_format(data) == "ted-api-v3"
    items = list(parse_document(data))
    assert_storable(items)
    assert [(i["source_id"], i["title"], i["buyer"]["name"], i["cpv"]) for i in items] == [
        (n.publication_number, n.title, n.buyer, n.cpv) for n in notices
    ]
    for item in items:
        json.dumps(normalise_record(item), allow_nan=False)


# Open datasets


@SETTINGS
@given(atlas_rows())
def test_atlas_rows_give_one_item_each_with_their_cells(rows: list[dict[str, str]]):
    data = atlas_csv(rows)
    assert detect_format(data) == "atlas-csv"
    items = list(parse_document(data))
    assert_storable(items)
    assert [i["source_id"] for i in items] == [r["AOSNUMBER"] for r in rows]
    for item, row in zip(items, rows, strict=True):
        assert item["agency"] == row["Agency"].strip()
        assert item["technologies_raw"] == [row["Technology"]]
        assert item["vendors_raw"] == ([row["Vendor"]] if row["Vendor"] else [])
        assert item["place"] == {
            "city": row["City"],
            "county": row["County"],
            "state": row["State"],
            "country": "US",
        }
        assert item["date_raw"] == row["Link 1 Date"]
        record = normalise_dataset_row(item)
        assert record["technologies"], (row["Technology"], record)
        json.dumps(record, allow_nan=False)


@SETTINGS
@given(overpass_elements())
def test_overpass_elements_give_one_item_each_where_they_are(elements: list[dict]):
    answer = {"version": 0.6, "generator": "Overpass API", "elements": elements}
    data = json.dumps(answer).encode()
    items = list(parse_document(data, format="osm-overpass-json"))
    assert_storable(items)
    assert [i["source_id"] for i in items] == [f"{e['type']}/{e['id']}" for e in elements]
    for item, element in zip(items, elements, strict=True):
        position = element.get("center", element)
        assert (item["latitude"], item["longitude"]) == (position["lat"], position["lon"])
        assert item["technologies_raw"] == [element["tags"]["surveillance:type"]]
        assert item["agency"] == element["tags"].get("operator")
        json.dumps(normalise_dataset_row(item), allow_nan=False)


# Articles


@settings(SETTINGS, max_examples=30)
@given(news_article())
def test_a_news_article_gives_its_headline_date_and_text(article: Article):
    (item,) = parse_document(article.page, url="https://news.example.org/a", format="html-article")
    item["source"] = "news-feed"
    assert_storable([item])
    assert item["title"] == words(article.title)
    assert item["published"] == article.published and item["language"] == article.language
    text = words(item["text"])
    assert all(words(p) in text for p in article.paragraphs)
    json.dumps(normalise_announcement(item), allow_nan=False)


# Not documents: refused with a ParseError, or read for what they hold; nothing else.


def items_or_parse_error(data: bytes, fmt: str | None = None) -> list[dict]:
    """The items of a document, or [] when the parser refuses it with a ParseError."""
    try:
        items = list(parse_document(data, format=fmt))
    except ParseError as exc:
        assert str(exc)  # a clear error says why
        event("refused")
        return []
    event("read")
    return items


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["ocid", "id", "tender", "title", "releases"]), children)
    ),
    max_leaves=20,
)
REJECTED = settings(SETTINGS, max_examples=40)


@REJECTED
@given(JSON)
def test_any_json_as_a_release_gives_an_item_or_a_parse_error(value):
    try:
        item = release_to_item(value)
    except ParseError:
        event("refused")
        return
    event("read")
    assert item_problems(item) == []
    json.dumps(normalise_record(item), allow_nan=False)


XML = sorted(p for p in (FIXTURES / "ted").glob("ted-*/*.xml") if p.stat().st_size < 200_000)


@REJECTED
@given(st.sampled_from(XML), st.data())
def test_damaged_ted_xml_gives_items_or_a_parse_error(path: Path, data):
    document = path.read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(document)))
    start = data.draw(st.integers(min_value=0, max_value=len(document)))
    junk = data.draw(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
    damaged = document[:start] + junk + document[start:][: max(0, cut - start)]
    items = items_or_parse_error(damaged)
    assert_storable(items)
    for item in items:
        normalise_record(item)


@REJECTED
@given(st.lists(st.lists(st.text(max_size=30), max_size=len(ATLAS_HEADER) + 2), max_size=5))
def test_atlas_csv_of_any_cells_gives_items_or_a_parse_error(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ATLAS_HEADER)
    writer.writerows(rows)
    items = items_or_parse_error(out.getvalue().encode("utf-8"), "atlas-csv")
    assert_storable(items)
    for item in items:
        normalise_dataset_row(item)


@REJECTED
@given(st.binary(max_size=300))
def test_any_bytes_give_items_or_a_parse_error(data):
    assert_storable(items_or_parse_error(data))
