"""News articles and vendor case studies (HTML or plain text) as ``announcement`` items.

Structured data (JSON-LD, OpenGraph, meta tags, read with extruct) is trusted first; trafilatura
finds the main text and htmldate the date when the page has no structured data. Values stay as
the page wrote them; the build (registry/normalise/announcement.py) extracts the facts.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import extruct
import htmldate
import lxml.html
import trafilatura
from lxml.etree import ParserError as LxmlParserError

from crawlers.parsers.errors import ParseError

FORMATS = ("html-article", "text-article")
# Real articles are well under 2 MiB; bigger bodies are archives, galleries or traps.
MAX_BYTES = 8 * 1024 * 1024
DESCRIPTION_CHARS = 600
MIN_TEXT_CHARS = 40
# A date line is looked for only in the header of a plain-text article, not in its body.
HEADER_CHARS = 600
ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "blogposting",
    "reportagenewsarticle",
    "pressrelease",
    "webpage",
    "analysisnewsarticle",
    "report",
}
_HTML_HEAD = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
    re.IGNORECASE | re.DOTALL,
)
_URL_LINE = re.compile(r"https?://\S+")
_DATE_IN_LINE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}"
    r"|(?:[A-Z][a-z]+day,?\s+)?\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4}"
    r"|(?:[A-Z][a-z]+day,?\s+)?[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4})\b"
)
_NOT_TITLE = re.compile(r"(?i)(?:skip to|loading|ie \d+ not supported|this site uses cookies)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
logger = logging.getLogger(__name__)


def sniff(head: bytes) -> str | None:
    """``html-article`` for an HTML page, ``text-article`` for text whose first line is a URL."""
    if _HTML_HEAD.match(head[:4096]):
        return "html-article"
    first = head[:2048].lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip()
    if re.fullmatch(rb"https?://\S+", first):
        return "text-article"
    return None


def parse(
    data: bytes, url: str | None = None, format: str | None = None, source: str | None = None
) -> Iterator[dict]:
    """One ``announcement`` item for one article; ParseError says why a page cannot be one."""
    if not data.strip():
        raise ParseError("empty document")
    if len(data) > MAX_BYTES:
        raise ParseError(f"page too large ({len(data)} bytes > {MAX_BYTES})")
    name = format or sniff(data[:65536]) or "text-article"
    if name not in FORMATS:
        raise ParseError(f"unknown format {name!r}")
    item = _from_html(data, url) if name == "html-article" else _from_text(data, url)
    if not item["text"] and not item["title"]:
        raise ParseError("no article text or title (empty or boilerplate-only page)")
    item["source_id"] = (
        item["url"]
        or "sha256:" + hashlib.sha256((item["text"] or item["title"]).encode("utf-8")).hexdigest()
    )
    if source:
        item["source"] = source
    yield item


def _item(url: str | None) -> dict[str, Any]:
    return {
        "kind": "announcement",
        "url": url,
        "title": None,
        "published": None,
        "modified": None,
        "language": None,
        "text": None,
        "description": None,
        "site_name": None,
        "author": None,
    }


def _from_html(data: bytes, url: str | None) -> dict[str, Any]:
    html = _decode(data)
    try:
        tree = lxml.html.document_fromstring(html)
    except (LxmlParserError, ValueError) as exc:
        raise ParseError(f"unreadable HTML: {exc}") from exc
    item = _item(url)
    meta = _structured(html, url)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    # Without as_dict=True bare_extraction gives a Document or None; its annotation has no overload.
    extracted = document.as_dict() if document is not None else {}  # type: ignore[union-attr]
    item["url"] = _canonical(tree, meta, url)
    item["title"] = _clean(
        meta.get("headline")
        or meta.get("og:title")
        or extracted.get("title")
        or tree.findtext(".//title")
    )
    item["published"] = (
        meta.get("datePublished") or meta.get("article:published_time") or _htmldate(tree, url)
    )
    item["modified"] = meta.get("dateModified") or meta.get("article:modified_time")
    item["language"] = (
        meta.get("inLanguage")
        or tree.get("lang")
        or meta.get("og:locale")
        or extracted.get("language")
    )
    item["text"] = _clean_text(extracted.get("text"))
    item["description"] = _clean(
        meta.get("description") or meta.get("og:description")
    ) or _first_paragraph(item["text"])
    item["site_name"] = _clean(
        meta.get("og:site_name") or meta.get("publisher") or extracted.get("sitename")
    )
    item["author"] = _clean(meta.get("author") or extracted.get("author"))
    return item


def _from_text(data: bytes, url: str | None) -> dict[str, Any]:
    lines = _decode(data).lstrip("\ufeff").splitlines()
    item = _item(url)
    if lines and _URL_LINE.fullmatch(lines[0].strip()):
        item["url"] = url or lines[0].strip()
        lines = lines[1:]
    body = [line.strip() for line in lines]
    paragraphs = [line for line in body if line]
    # A headline is short and not a sentence; many excerpts start straight with the body, and
    # navigation leftovers ("Skip to main content", "| Home | News |") are no headline.
    for line in paragraphs[:3]:
        if _NOT_TITLE.match(line) or "|" in line:
            continue
        if len(line) <= 150 and not line.endswith("."):
            item["title"] = line
        break
    text = "\n".join(body).strip()
    item["text"] = re.sub(r"\n{3,}", "\n\n", text) or None
    item["description"] = _first_paragraph(item["text"])
    if match := _DATE_IN_LINE.search(text[:HEADER_CHARS]):
        item["published"] = match.group(1)
    if item["text"] and len(_CJK.findall(item["text"])) > len(item["text"]) / 4:
        item["language"] = "zh"
    if item["url"]:
        item["site_name"] = urlsplit(item["url"]).hostname
    return item


def _structured(html: str, url: str | None) -> dict[str, Any]:
    """Flat facts from JSON-LD (an article object), OpenGraph and meta tags."""
    facts: dict[str, Any] = {}
    try:
        data = extruct.extract(
            html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True, errors="ignore"
        )
    except Exception as exc:  # extruct surfaces lxml/json errors of broken markup in many types
        logger.debug("structured data unreadable: %s", exc)
        data = {}
    for entry in _json_ld_objects(data.get("json-ld") or []):
        kinds = entry.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(str(k).lower() in ARTICLE_TYPES for k in kinds):
            continue
        for key in (
            "headline",
            "datePublished",
            "dateModified",
            "inLanguage",
            "url",
            "description",
        ):
            if isinstance(entry.get(key), str) and key not in facts:
                facts[key] = entry[key]
        publisher = entry.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            facts.setdefault("publisher", publisher["name"])
        facts.setdefault("author", _author(entry.get("author")))
    for entry in data.get("opengraph") or []:
        for key, value in entry.items():
            if key.startswith(("og:", "article:")) and isinstance(value, str):
                facts.setdefault(key, value)
    return facts


def _json_ld_objects(entries: list) -> Iterator[dict]:
    for entry in entries:
        if isinstance(entry, dict):
            yield entry
            yield from _json_ld_objects(entry.get("@graph") or [])
        elif isinstance(entry, list):
            yield from _json_ld_objects(entry)


def _author(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) else None


def _canonical(tree: lxml.html.HtmlElement, meta: dict[str, Any], url: str | None) -> str | None:
    for candidate in (
        *tree.xpath("//link[@rel='canonical']/@href"),
        meta.get("og:url"),
        meta.get("url"),
        url,
    ):
        if isinstance(candidate, str) and candidate.strip().lower().startswith(
            ("http://", "https://")
        ):
            return candidate.strip()
    return url


def _htmldate(tree: lxml.html.HtmlElement, url: str | None) -> str | None:
    try:
        return htmldate.find_date(tree, url=url, original_date=True, extensive_search=False)
    except (ValueError, TypeError) as exc:
        logger.debug("htmldate failed: %s", exc)
        return None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _clean_text(value: Any) -> str | None:
    # A few words left after boilerplate removal are a menu or a footer, not an article.
    if not isinstance(value, str) or len(value.strip()) < MIN_TEXT_CHARS:
        return None
    return re.sub(r"\n{3,}", "\n\n", value).strip() or None


def _first_paragraph(text: str | None) -> str | None:
    """The first paragraph long enough to be a sentence: what relevance filters read."""
    if not text:
        return None
    for paragraph in text.split("\n"):
        if len(paragraph.strip()) >= 80:
            return paragraph.strip()[:DESCRIPTION_CHARS]
    return text.strip()[:DESCRIPTION_CHARS]
