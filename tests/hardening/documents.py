"""Hypothesis strategies for structurally valid documents of the formats we parse.

OCDS releases and packages follow the OCDS 1.1 schema's shapes and codelists; TED notices are
recorded notices (tests/fixtures/ted) with generated values put where the schema puts them; TED
search pages, Atlas CSV rows, Overpass elements and news articles follow their sources' documented
shapes. Each strategy yields the document with the values it was built from, so a test can ask the
parser for them back.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from lxml import etree

from crawlers import xmlsafe
from crawlers.parsers.datasets.csvrows import PLACEHOLDERS
from tests.conftest import FIXTURES

# Words in any script, and the punctuation notices are written with; no markup, no control
# characters (XML 1.0 cannot carry them), nothing that reads as an e-mail or a phone number.
WORD = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Nd"), codec="utf-8"),
    min_size=1,
    max_size=12,
)
PUNCTUATION = st.sampled_from(["", "", "", ",", ".", ":", " -", " &", "'s", " (lot)", "/"])
PHRASE = st.lists(st.tuples(WORD, PUNCTUATION).map("".join), min_size=1, max_size=8).map(" ".join)
SUBJECTS = st.sampled_from(
    [
        "CCTV cameras",
        "Body worn video cameras",
        "ANPR cameras",
        "Face recognition software",
        "Drones for the police",
        "Video surveillance system",
        "Office furniture",
        "School meals",
    ]
)
# A title: a subject about surveillance (or not), with generated words around it.
TITLE = st.tuples(PHRASE, SUBJECTS, PHRASE).map(" ".join)
CPV = st.sampled_from(
    ["32323500", "35125100", "35125300", "32333200", "38651600", "48000000", "79000000", "39130000"]
)
CURRENCIES = st.sampled_from(["GBP", "EUR", "USD", "PLN", "UAH", "MXN", "CZK"])
AMOUNT = st.integers(min_value=1, max_value=10**10) | st.floats(
    min_value=0.01, max_value=1e10, allow_nan=False, allow_infinity=False
).map(lambda x: round(x, 2))
DAY = st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2030, 12, 31))
MOMENT = st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2030, 12, 31))
COUNTRY_NAMES = st.sampled_from(
    ["United Kingdom", "France", "Deutschland", "Polska", "Україна", "México", "España"]
)


def ocds_date(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


# OCDS 1.1 codelists: releaseTag, partyRole, documentType.
RELEASE_TAGS = st.sampled_from(
    ["planning", "tender", "tenderAmendment", "tenderUpdate", "award", "contract", "compiled"]
)
OCID_PREFIXES = st.sampled_from(
    ["ocds-b5fd17", "ocds-h6vhtk", "ocds-kuma6s", "ocds-r6ebe6", "ocds-213czf", "ocds-70d2nz"]
)
IDENTIFIER = st.from_regex(r"[A-Za-z0-9]{1,4}(-[A-Za-z0-9]{1,8}){0,3}", fullmatch=True)


@st.composite
def organisation(draw: st.DrawFn, role: str, number: int) -> dict:
    """An OCDS party: identifier, name, roles, address and (sometimes) a contact point."""
    party: dict[str, Any] = {
        "id": f"{role}-{number}-{draw(IDENTIFIER)}",
        "name": draw(PHRASE),
        "roles": [role],
        "address": {"countryName": draw(COUNTRY_NAMES), "locality": draw(WORD)},
    }
    if draw(st.booleans()):
        party["contactPoint"] = {"name": "Procurement team", "url": "https://example.org/buy"}
    return party


@dataclass
class Release:
    """An OCDS release and what it was built from."""

    release: dict
    title: str
    buyer: str
    cpv: list[str]
    suppliers: list[str]
    currency: str
    amounts: dict[str, list[float]] = field(default_factory=dict)  # stage → amounts written

    @property
    def source_id(self) -> str:
        return f"{self.release['ocid']}/{self.release['id']}"


@st.composite
def ocds_release(draw: st.DrawFn, ocid: str | None = None) -> Release:
    """A release with a buyer, a tender (title, value, CPV classification, items, documents),
    and maybe awards with suppliers."""
    ocid = ocid or f"{draw(OCID_PREFIXES)}-{draw(IDENTIFIER)}"
    buyer = draw(organisation("buyer", 0))
    suppliers = [
        draw(organisation("supplier", n))
        for n in range(draw(st.integers(min_value=0, max_value=3)))
    ]
    title = draw(TITLE)
    codes = draw(st.lists(CPV, min_size=1, max_size=3, unique=True))
    currency = draw(CURRENCIES)
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": title,
        "description": draw(PHRASE),
        "status": draw(st.sampled_from(["planned", "active", "complete"])),
        "classification": {"scheme": "CPV", "id": codes[0], "description": draw(PHRASE)},
        "items": [
            {
                "id": str(n),
                "description": draw(PHRASE),
                "classification": {"scheme": "CPV", "id": c},
            }
            for n, c in enumerate(codes[1:], start=1)
        ],
        "documents": [
            {
                "id": "notice",
                "documentType": "tenderNotice",
                "url": f"https://example.org/notice/{draw(IDENTIFIER)}",
            }
        ],
    }
    amounts: dict[str, list[float]] = {}
    if draw(st.booleans()):
        tender["value"] = {"amount": draw(AMOUNT), "currency": currency}
        amounts["tender"] = [tender["value"]["amount"]]
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": draw(IDENTIFIER),
        "date": ocds_date(draw(MOMENT)),
        "tag": draw(st.lists(RELEASE_TAGS, min_size=1, max_size=2, unique=True)),
        "initiationType": "tender",
        "language": draw(st.sampled_from(["en", "cy", "fr", "de", "uk", "es"])),
        "parties": [buyer, *suppliers],
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "tender": tender,
    }
    if suppliers:
        award_amounts = [draw(AMOUNT) for _ in suppliers]
        release["awards"] = [
            {
                "id": f"{ocid}-award-{n}",
                "status": "active",
                "date": ocds_date(draw(MOMENT)),
                "value": {"amount": amount, "currency": currency},
                "suppliers": [{"id": s["id"], "name": s["name"]}],
            }
            for n, (s, amount) in enumerate(zip(suppliers, award_amounts, strict=True))
        ]
        amounts["awards"] = award_amounts
    supplier_names = [s["name"] for s in suppliers]
    return Release(release, title, buyer["name"], codes, supplier_names, currency, amounts)


RELEASES = st.lists(ocds_release(), min_size=1, max_size=4, unique_by=lambda r: r.source_id)


def release_package(releases: list[dict], next_url: str | None = None) -> dict:
    package: dict[str, Any] = {
        "uri": "https://example.org/releases.json",
        "version": "1.1",
        "publishedDate": "2024-03-01T00:00:00Z",
        "publisher": {"name": "Example publisher"},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "releases": releases,
    }
    if next_url:
        package["links"] = {"next": next_url}
    return package


def record_package(releases: list[dict], compiled: bool = True) -> dict:
    """A record package, one record per release: its compiled release and a linked release, or
    (``compiled=False``) the release itself embedded."""
    records = [
        {
            "ocid": r["ocid"],
            "releases": [
                {"url": f"https://example.org/r/{r['id']}", "date": r["date"], "tag": r["tag"]}
            ],
            "compiledRelease": r,
        }
        if compiled
        else {"ocid": r["ocid"], "releases": [r]}
        for r in releases
    ]
    return {
        "uri": "https://example.org/records.json",
        "version": "1.1",
        "publishedDate": "2024-03-01T00:00:00Z",
        "publisher": {"name": "Example publisher"},
        "records": records,
    }


# TED: recorded notices whose values are replaced in place.
EFORMS = FIXTURES / "ted/ted-eforms/converted-20-198944-001-EXP.xml"
LEGACY = FIXTURES / "ted/ted-legacy/20-198944-001-EXP.xml"


@dataclass
class Notice:
    """A TED XML notice and the values put into it."""

    document: bytes
    title: str
    buyer: str
    cpv: str
    publication_number: str | None = None


def _set_text(elements: list, text: str) -> None:
    assert elements, "the recorded notice has the element the schema puts this value in"
    for element in elements:
        element.text = text


def _local(root: etree._Element, path: str) -> list:
    return root.xpath(path)


PUBLICATION_NUMBER = st.tuples(
    st.integers(min_value=1, max_value=999_999), st.integers(min_value=2015, max_value=2030)
)


@st.composite
def eforms_notice(draw: st.DrawFn) -> Notice:
    """The recorded eForms contract notice with a generated title, buyer, main CPV code and
    publication number."""
    root = xmlsafe.fromstring(EFORMS.read_bytes())
    title, buyer, cpv = draw(TITLE), draw(PHRASE), draw(CPV)
    number, year = draw(PUBLICATION_NUMBER)
    _set_text(_local(root, "*[local-name()='ProcurementProject']/*[local-name()='Name']"), title)
    _set_text(
        _local(
            root,
            "*[local-name()='ProcurementProject']/*[local-name()='MainCommodityClassification']"
            "/*[local-name()='ItemClassificationCode']",
        ),
        cpv,
    )
    (buyer_id,) = _local(
        root,
        "*[local-name()='ContractingParty']/*[local-name()='Party']"
        "/*[local-name()='PartyIdentification']/*[local-name()='ID']/text()",
    )
    _set_text(
        _local(
            root,
            f"//*[local-name()='Organization']/*[local-name()='Company']"
            f"[*[local-name()='PartyIdentification']/*[local-name()='ID']='{buyer_id}']"
            "/*[local-name()='PartyName']/*[local-name()='Name']",
        ),
        buyer,
    )
    _set_text(_local(root, "//*[local-name()='NoticePublicationID']"), f"{number:08d}-{year}")
    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Notice(document, title, buyer, cpv, f"{number}-{year}")


@st.composite
def legacy_notice(draw: st.DrawFn) -> Notice:
    """The recorded TED_EXPORT contract notice (R2.0.9 F02) with a generated title, buyer
    and main CPV code."""
    root = xmlsafe.fromstring(LEGACY.read_bytes())
    title, buyer, cpv = draw(TITLE), draw(PHRASE), draw(CPV)
    form = "//*[local-name()='FORM_SECTION']/*"
    titles = _local(root, f"{form}/*[local-name()='OBJECT_CONTRACT']/*[local-name()='TITLE']")
    for element in titles:
        for child in list(element):
            element.remove(child)
        paragraph = etree.SubElement(element, etree.QName(element, "P"))
        paragraph.text = title
    codes = _local(
        root,
        f"{form}/*[local-name()='OBJECT_CONTRACT']/*[local-name()='CPV_MAIN']"
        "/*[local-name()='CPV_CODE']",
    )
    assert codes
    for code in codes:
        code.set("CODE", cpv)
    _set_text(
        _local(
            root,
            f"{form}/*[local-name()='CONTRACTING_BODY']/*[local-name()='ADDRESS_CONTRACTING_BODY']"
            "/*[local-name()='OFFICIALNAME']",
        ),
        buyer,
    )
    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Notice(document, title, buyer, cpv)


@dataclass
class SearchNotice:
    """A notice of a TED Search API v3 answer and the values it carries."""

    fields: dict
    publication_number: str
    title: str
    buyer: str
    cpv: list[str]


LANGUAGES = st.sampled_from(["eng", "deu", "fra", "pol", "ces", "spa"])


@st.composite
def ted_search_notice(draw: st.DrawFn) -> SearchNotice:
    """A hit of POST /v3/notices/search with the fields the spider asks for."""
    number, year = draw(PUBLICATION_NUMBER)
    language, title, buyer = draw(LANGUAGES), draw(TITLE), draw(PHRASE)
    codes = draw(st.lists(CPV, min_size=1, max_size=3))
    fields: dict[str, Any] = {
        "publication-number": f"{number:08d}-{year}",
        "notice-title": {language: title},
        "buyer-name": {language: [buyer]},
        "buyer-country": [draw(st.sampled_from(["DEU", "FRA", "POL", "CZE", "ESP", "GBR"]))],
        "buyer-city": [draw(WORD)],
        "classification-cpv": codes,
        "publication-date": f"{draw(DAY).isoformat()}+01:00",
        "notice-type": draw(st.sampled_from(["cn-standard", "can-standard", "pin-only"])),
        "links": {"xml": {"MUL": f"https://ted.europa.eu/en/notice/{number}-{year}/xml"}},
    }
    if draw(st.booleans()):
        fields["total-value"] = draw(AMOUNT)
        fields["total-value-cur"] = [draw(CURRENCIES)]
    return SearchNotice(fields, f"{number}-{year}", title, buyer, list(dict.fromkeys(codes)))


# The Atlas of Surveillance export: its header, its technologies, US agencies.
ATLAS = FIXTURES / "datasets/atlas-of-surveillance_sample_first-rows.csv"
ATLAS_HEADER = next(csv.reader([ATLAS.read_text("utf-8").splitlines()[0]]))
ATLAS_TECHNOLOGIES = st.sampled_from(
    [
        "Automated License Plate Readers",
        "Body-worn Cameras",
        "Camera Registry",
        "Drones",
        "Face Recognition",
        "Gunshot Detection",
        "Real-Time Crime Center",
        "Cell-site Simulator",
        "Video Analytics",
    ]
)
# A word a cell can hold alone: not one of the placeholders that mean "no value" ("NA").
CELL_WORD = WORD.filter(lambda word: word.casefold() not in PLACEHOLDERS)
# Cell text as spreadsheets write it: commas, quotes and line breaks included.
CELL = st.lists(
    st.tuples(CELL_WORD, st.sampled_from(["", ",", '"', "\n", ";", " &"])).map("".join),
    min_size=1,
    max_size=6,
).map(" ".join)


@st.composite
def atlas_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    """Rows of the Atlas CSV, each with its own AOSNUMBER."""
    numbers = st.integers(min_value=1, max_value=999_999)
    rows = []
    for number in draw(st.lists(numbers, min_size=1, max_size=6, unique=True)):
        row = dict.fromkeys(ATLAS_HEADER, "")
        row.update(
            {
                "AOSNUMBER": f"AOS{number:06d}",
                "City": draw(CELL_WORD),
                "County": f"{draw(WORD)} County",
                "State": draw(st.sampled_from(["VA", "IL", "CA", "NY", "TX", "WA"])),
                "Agency": f"{draw(CELL)} Police Department",
                "Type of LEA": draw(st.sampled_from(["Police", "Sheriff", "State Police"])),
                "Summary": draw(CELL),
                "Type of Juris": draw(st.sampled_from(["Municipal", "County", "State"])),
                "Technology": draw(ATLAS_TECHNOLOGIES),
                "Vendor": draw(st.sampled_from(["", "Axon", "Flock Safety", "ShotSpotter"])),
                "Link 1": f"https://news.example.org/{draw(IDENTIFIER)}",
                "Link 1 Date": draw(DAY).strftime("%m/%d/%Y"),
            }
        )
        rows.append(row)
    return rows


def atlas_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ATLAS_HEADER, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# OpenStreetMap surveillance nodes (the Overpass query of the osm-surveillance spider).
@st.composite
def overpass_elements(draw: st.DrawFn) -> list[dict]:
    """Nodes tagged man_made=surveillance, and ways with a centre, as Overpass answers them."""
    ids = draw(
        st.lists(st.integers(min_value=1, max_value=2**40), min_size=1, max_size=6, unique=True)
    )
    elements = []
    for osm_id in ids:
        tags = {
            "man_made": "surveillance",
            "surveillance": draw(st.sampled_from(["public", "outdoor", "indoor"])),
            "surveillance:type": draw(st.sampled_from(["camera", "ALPR", "guard"])),
        }
        for key, value in (
            ("operator", PHRASE),
            ("camera:type", st.sampled_from(["fixed", "dome", "panning"])),
            ("manufacturer", st.sampled_from(["Hikvision", "Axis", "Dahua", "Flock Safety"])),
            ("addr:city", WORD),
        ):
            if draw(st.booleans()):
                tags[key] = draw(value)
        latitude = draw(st.floats(min_value=-90, max_value=90, allow_nan=False))
        longitude = draw(st.floats(min_value=-180, max_value=180, allow_nan=False))
        if draw(st.booleans()):
            elements.append(
                {"type": "node", "id": osm_id, "lat": latitude, "lon": longitude, "tags": tags}
            )
        else:
            centre = {"lat": latitude, "lon": longitude}
            elements.append({"type": "way", "id": osm_id, "center": centre, "tags": tags})
    return elements


@dataclass
class Article:
    """A news article page and what it says."""

    page: bytes
    title: str
    paragraphs: list[str]
    published: str
    language: str


SENTENCE = st.tuples(
    st.sampled_from(["The city of", "Police in", "The council of", "Officials in"]),
    WORD,
    st.sampled_from(["installed", "bought", "approved", "plans"]),
    st.integers(min_value=2, max_value=500),
    st.sampled_from(["CCTV cameras", "licence plate readers", "body cameras", "drones"]),
    PHRASE,
).map(lambda parts: " ".join(map(str, parts)) + ".")


@st.composite
def news_article(draw: st.DrawFn) -> Article:
    """An HTML news article: a headline, a publication date and a few paragraphs of text."""
    title = draw(TITLE)
    paragraphs = [
        " ".join(draw(st.lists(SENTENCE, min_size=3, max_size=6)))
        for _ in range(draw(st.integers(min_value=2, max_value=5)))
    ]
    published = draw(DAY).isoformat()
    language = draw(st.sampled_from(["en", "de", "fr", "es", "pl"]))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} | Example News</title>"
        f'<meta property="og:title" content="{html.escape(title)}">'
        f'<meta property="article:published_time" content="{published}">'
        "</head><body><header><nav><a href='/'>Home</a></nav></header>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer>© Example News</footer></body></html>"
    ).encode()
    return Article(page, title, paragraphs, published, language)
