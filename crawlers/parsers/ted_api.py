"""TED API JSON: v3 search pages (notice metadata) and v2-era records carrying notice XML."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass

from crawlers import xmlsafe
from crawlers.parsers import ted_eforms, ted_legacy
from crawlers.parsers.errors import ParseError
from crawlers.parsers.ted_eforms import notice_type_for, publication_number, ted_links


@dataclass
class SearchPage:
    """One page of a v3 search: its notices, the total count and the token of the next page."""

    notices: list[dict]
    total: int | None
    next_token: str | None
    timed_out: bool


def sniff(head: bytes) -> str | None:
    """'ted-api-v3' or 'ted-api-v2' from a JSON document's first bytes, else None."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        return None
    if b'"notices"' in head and (b'"totalNoticeCount"' in head or b'"iterationNextToken"' in head):
        return "ted-api-v3"
    if b'"ND"' in head and (b'"content"' in head or b'"results"' in head or b'"TD"' in head):
        return "ted-api-v2"
    return None


def _load(data: bytes, name: str) -> object:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{name}: malformed JSON: {exc}") from exc
    except RecursionError as exc:  # json.loads recurses once per level of nesting
        raise ParseError(f"{name}: JSON nested too deeply") from exc


def search_page(data: bytes, name: str = "TED v3 search page") -> SearchPage:
    """Read a v3 search response (POST /v3/notices/search)."""
    doc = _load(data, name)
    if not isinstance(doc, dict) or not isinstance(doc.get("notices"), list):
        raise ParseError(f"{name}: not a TED v3 search response (no 'notices' list)")
    return SearchPage(
        notices=[n for n in doc["notices"] if isinstance(n, dict)],
        total=doc.get("totalNoticeCount"),
        next_token=doc.get("iterationNextToken") or None,
        timed_out=bool(doc.get("timedOut")),
    )


def _first(value: object) -> object:
    return (
        value[0]
        if isinstance(value, list) and value
        else (None if isinstance(value, list) else value)
    )


def _language(notice: dict) -> str | None:
    """The notice's own language: the one its buyer name or procedure description is written in."""
    for field in ("buyer-name", "description-proc", "title-proc", "notice-title"):
        value = notice.get(field)
        if isinstance(value, dict) and value:
            return next(iter(value))
    return None


def _in_language(value: object, lang: str | None) -> object:
    if not isinstance(value, dict):
        return value
    if lang in value:
        return value[lang]
    return next(iter(value.values()), None)


def _link(links: dict, kind: str) -> str | None:
    by_lang = links.get(kind) or {}
    return by_lang.get("ENG") or by_lang.get("MUL") or next(iter(by_lang.values()), None)


def xml_url(notice: dict) -> str | None:
    """The URL of a v3 notice's XML (links.xml.MUL), else the canonical one."""
    links = notice.get("links")
    if not isinstance(links, dict):
        links = {}
    pub_no = publication_number(str(notice.get("publication-number") or notice.get("ND") or ""))
    return _link(links, "xml") or (ted_links(pub_no) or {}).get("xml")


def v3_item(notice: dict, url: str | None = None) -> dict:
    """A notice item from a v3 search hit (metadata only: the XML has the full notice)."""
    raw_no = str(notice.get("publication-number") or notice.get("ND") or "")
    pub_no = publication_number(raw_no)
    if not pub_no:
        raise ParseError(f"v3 notice without publication number: {sorted(notice)[:8]}")
    lang = _language(notice)
    links = notice.get("links")
    if not isinstance(links, dict):
        links = {}
    canonical = ted_links(pub_no)
    # pub_no was checked non-empty above, and ted_links answers None only for an empty one.
    assert canonical is not None
    winners = _in_language(notice.get("winner-name"), lang) or []
    winner_countries = notice.get("winner-country") or []
    value = None
    if notice.get("total-value") is not None:
        value = {"amount": notice["total-value"], "currency": _first(notice.get("total-value-cur"))}
    country = _first(notice.get("buyer-country")) or _first(
        notice.get("organisation-country-buyer")
    )
    code = notice.get("notice-type")
    return {
        "kind": "notice",
        "source": "ted",
        "source_id": pub_no,
        "source_id_kind": "publication-number",
        "procedure_id": notice.get("procedure-identifier"),
        "url": url or canonical["html"],
        "notice_type": notice_type_for(code) if code else "other",
        "notice_type_code": code,
        "form_type": notice.get("form-type"),
        "title": _in_language(notice.get("notice-title"), lang),
        "description": _in_language(notice.get("description-proc"), lang),
        "language": lang,
        "published": notice.get("publication-date") or notice.get("PD"),
        "dispatched": notice.get("dispatch-date") or notice.get("DS"),
        "buyer": {
            "name": _first(_in_language(notice.get("buyer-name"), lang)),
            "country": country,
            "city": _first(notice.get("buyer-city")),
            "nuts": None,
            "contact": None,
        },
        "cpv": list(dict.fromkeys(notice.get("classification-cpv") or [])),
        "suppliers": [
            {"name": name, "country": winner_countries[i] if i < len(winner_countries) else None}
            for i, name in enumerate(winners if isinstance(winners, list) else [winners])
        ],
        "value": value,
        "value_kind": "awarded" if value else None,
        "lots": [],
        "links": {
            "html": _link(links, "html") or canonical["html"],
            "xml": _link(links, "xml") or canonical["xml"],
            "pdf": _link(links, "pdf") or canonical["pdf"],
        },
        "notice_version": notice.get("notice-version"),
        "detail": "search-metadata",
        "format": "ted-api-v3",
        "technologies": [],
        "vendors": [],
    }


def parse_v3(data: bytes, url: str | None = None) -> Iterator[dict]:
    """Items (metadata level) from a v3 search page."""
    for notice in search_page(data, url or "TED v3 search page").notices:
        yield v3_item(notice)


def _content_xml(record: dict, name: str) -> bytes | None:
    content = record.get("content")
    if not content:
        return None
    if isinstance(content, str) and content.lstrip().startswith("<"):
        return content.encode("utf-8")
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ParseError(f"{name}: 'content' is neither XML nor base64: {exc}") from exc


def _record_item(record: dict, url: str | None) -> dict:
    name = f"TED v2 record {record.get('ND') or '?'}"
    xml = _content_xml(record, name)
    if xml is None:
        raise ParseError(f"{name}: no notice XML in 'content'")
    root = xmlsafe.fromstring(xml, name)
    if ted_legacy.sniff(xml[:4096]):
        return ted_legacy.parse_root(root, url=url, name=name)
    return ted_eforms.parse_root(root, url=url, name=name)


def parse_v2(data: bytes, url: str | None = None) -> Iterator[dict]:
    """Items from a v2 notice record or search response, parsing the XML each record carries."""
    doc = _load(data, url or "TED v2 document")
    records = doc.get("results") if isinstance(doc, dict) and "results" in doc else [doc]
    if not isinstance(records, list):
        raise ParseError(f"{url or 'TED v2 document'}: 'results' is not a list")
    for record in records:
        if not isinstance(record, dict):
            raise ParseError(f"{url or 'TED v2 document'}: record is not an object")
        yield _record_item(record, url)
