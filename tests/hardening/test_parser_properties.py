"""Property tests of every document parser and record normaliser: any input gives records or a
ParseError, never another exception; what they give can be stored and built."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.items import item_problems
from crawlers.parsers import parse_document
from crawlers.parsers.errors import ParseError
from crawlers.parsers.ocds import release_to_item
from crawlers.store import content_hash
from registry.normalise.announcement import normalise_announcement
from registry.normalise.dataset_row import normalise_dataset_row
from registry.normalise.record import normalise_record
from tests.conftest import FIXTURES

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KEYS = st.sampled_from(
    [
        "ocid", "id", "date", "tag", "tender", "title", "description", "buyer", "parties",
        "awards", "value", "amount", "currency", "classification", "items", "suppliers", "name",
        "address", "countryName", "locality", "contactPoint", "email", "documents", "url",
        "notices", "publication-number", "notice-title", "buyer-name", "elements", "type",
        "tags", "lat", "lon", "records", "releases", "compiledRelease", "links", "next",
    ]
) | st.text(max_size=8)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["2024-01-01", "32323500", "GBP", "CCTV cameras", "ocds-b5fd17-1", "node"])
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=25,
)


def shaped(**fields: st.SearchStrategy) -> st.SearchStrategy:
    """Objects with any of ``fields`` (each of its own strategy or any JSON at all), or any JSON."""
    return JSON | st.fixed_dictionaries({}, optional={k: v | JSON for k, v in fields.items()})


VALUE = shaped(amount=SCALARS, currency=SCALARS)
PARTY = shaped(
    id=SCALARS,
    name=SCALARS,
    roles=st.lists(st.sampled_from(["buyer", "supplier"]) | JSON, max_size=2),
    address=shaped(countryName=SCALARS, locality=SCALARS, region=SCALARS),
    contactPoint=shaped(name=SCALARS, email=SCALARS, telephone=SCALARS),
)
CLASSIFICATION = shaped(scheme=SCALARS, id=SCALARS)
DOCUMENT = shaped(documentType=st.sampled_from(["tenderNotice", "awardNotice"]), url=SCALARS)
RELEASE = st.fixed_dictionaries(
    {"ocid": SCALARS},
    optional={
        "id": SCALARS,
        "date": SCALARS,
        "tag": st.lists(st.sampled_from(["tender", "award", "planning"]) | JSON, max_size=2),
        "buyer": PARTY,
        "parties": st.lists(PARTY, max_size=3) | JSON,
        "awards": st.lists(
            shaped(value=VALUE, suppliers=st.lists(PARTY, max_size=2), documents=JSON), max_size=3
        )
        | JSON,
        "tender": shaped(
            title=SCALARS,
            value=VALUE,
            classification=CLASSIFICATION,
            additionalClassifications=st.lists(CLASSIFICATION, max_size=2),
            items=st.lists(shaped(classification=CLASSIFICATION), max_size=2),
            documents=st.lists(DOCUMENT, max_size=2),
        ),
    },
)


def gives_items_or_parse_error(data: bytes, fmt: str | None = None) -> list[dict]:
    """The items of a document, or [] when the parser refuses it with a ParseError."""
    try:
        return list(parse_document(data, format=fmt))
    except ParseError as exc:
        assert str(exc)  # a clear error says why
        return []


def assert_storable(items: list[dict]) -> None:
    for item in items:
        assert isinstance(item, dict) and item["kind"] in ("notice", "announcement", "dataset_row")
        assert isinstance(item["source_id"], str) and item["source_id"]
        content_hash(item)


@settings(SETTINGS, max_examples=400)
@given(RELEASE | JSON)
def test_ocds_release_of_any_shape_gives_an_item_or_a_parse_error(release):
    try:
        item = release_to_item(release)
    except ParseError:
        return
    assert item_problems(item) == []
    json.dumps(normalise_record(item), allow_nan=False)


@SETTINGS
@given(
    st.sampled_from(["releases", "records"]),
    st.lists(RELEASE | shaped(compiledRelease=RELEASE, releases=st.lists(RELEASE)), max_size=3),
    JSON,
)
def test_ocds_package_of_any_content_gives_items_or_a_parse_error(container, entries, extra):
    data = json.dumps({container: entries, "links": extra}).encode()
    items = gives_items_or_parse_error(data, "ocds")
    assert_storable(items)
    for item in items:
        normalise_record(item)


@SETTINGS
@given(st.lists(st.dictionaries(KEYS, JSON, max_size=8), max_size=4), JSON)
def test_ted_api_search_page_of_any_content_gives_items_or_a_parse_error(notices, extra):
    data = json.dumps({"notices": notices, "totalNoticeCount": len(notices), "x": extra}).encode()
    items = gives_items_or_parse_error(data, "ted-api-v3")
    assert_storable(items)
    for item in items:
        normalise_record(item)


@SETTINGS
@given(st.lists(st.dictionaries(KEYS, JSON, max_size=8), max_size=4))
def test_osm_elements_of_any_content_give_items_or_a_parse_error(elements):
    data = json.dumps({"elements": elements}).encode()
    items = gives_items_or_parse_error(data, "osm-overpass-json")
    assert_storable(items)
    for item in items:
        normalise_dataset_row(item)


XML = sorted(
    p for p in (FIXTURES / "ted").glob("ted-*/*.xml") if p.stat().st_size < 200_000
)  # fmt: skip


@SETTINGS
@given(st.sampled_from(XML), st.data())
def test_damaged_ted_xml_gives_items_or_a_parse_error(path: Path, data):
    document = path.read_bytes()
    cut = data.draw(st.integers(min_value=0, max_value=len(document)))
    start = data.draw(st.integers(min_value=0, max_value=len(document)))
    junk = data.draw(st.binary(max_size=40) | st.text(max_size=40).map(str.encode))
    damaged = document[:start] + junk + document[start:][: max(0, cut - start)]
    items = gives_items_or_parse_error(damaged)
    assert_storable(items)
    for item in items:
        normalise_record(item)


ATLAS = FIXTURES / "datasets/atlas-of-surveillance_sample_first-rows.csv"
ATLAS_HEADER = next(csv.reader([ATLAS.read_text("utf-8").splitlines()[0]]))


@SETTINGS
@given(st.lists(st.lists(st.text(max_size=30), max_size=len(ATLAS_HEADER) + 2), max_size=5))
def test_atlas_csv_of_any_cells_gives_items_or_a_parse_error(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ATLAS_HEADER)
    writer.writerows(rows)
    items = gives_items_or_parse_error(out.getvalue().encode("utf-8"), "atlas-csv")
    assert_storable(items)
    for item in items:
        normalise_dataset_row(item)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=300),
    st.text(max_size=60),
    st.sampled_from(["", "2024-03-01", "yesterday", "99/99/9999"]),
)
def test_html_article_of_any_text_gives_an_item_or_a_parse_error(body, title, date):
    page = (
        f"<html><head><title>{title}</title>"
        f'<meta property="article:published_time" content="{date}"></head>'
        f"<body><article><p>{body}</p></article></body></html>"
    ).encode("utf-8", "surrogatepass")
    items = gives_items_or_parse_error(page, "html-article")
    for item in items:
        item["source"] = "news-feed"
        assert_storable([item])
        json.dumps(normalise_announcement(item), allow_nan=False)


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_give_items_or_a_parse_error(data):
    assert_storable(gives_items_or_parse_error(data))
