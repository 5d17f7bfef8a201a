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

import lxml.html
from lxml.etree import ParserError as LxmlParserError
from w3lib.encoding import html_to_unicode

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
# Control bytes no text has (tab, newlines, form feed and escape aside): binary formats.
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_MARKUP = re.compile(rb"<\?xml|</?[A-Za-z_][\w:.-]*[\s>/]")
MAX_TAGS_IN_TEXT = 3
_TABLE_HEADER = re.compile(rb"^(?:\xef\xbb\xbf)?[^\n,;\t ]*(?:[,;\t][^\n,;\t]*){3,}\r?\n")
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b")
logger = logging.getLogger(__name__)


def sniff(head: bytes) -> str | None:
    """``html-article`` for an HTML page, ``text-article`` for any other text (its first line
    may be the page's URL, as saved excerpts have)."""
    if _HTML_HEAD.match(head[:4096]):
        return "html-article"
    first = head[:2048].lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip()
    if re.fullmatch(rb"https?://\S+", first) or _is_text(head):
        return "text-article"
    return None


def _is_text(head: bytes) -> bool:
    """Readable text: no NUL or other control bytes, and UTF-8, or a legacy encoding of it
    (a cut at the end of the head may split one character)."""
    sample = head[:8192]
    if len(sample.strip()) < MIN_TEXT_CHARS or _BINARY.search(sample):
        return False  # a few bytes are no article; control bytes are binary
    if sample.startswith(_BINARY_MAGIC):
        return False
    if sample.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[", b"<"):
        return False  # JSON or XML that no parser knows is no article
    if len(_MARKUP.findall(sample)) > MAX_TAGS_IN_TEXT:
        return False  # nor is a damaged or unknown markup document
    if _TABLE_HEADER.match(sample):
        return False  # nor is a CSV
    cut = len(sample)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut = exc.start
    if cut >= len(sample) - 4:
        return True
    # Legacy single-byte text has a few accented letters among ASCII; binary has many high bytes.
    high = sum(1 for byte in sample if byte > 127)
    return _guess_encoding(sample) == "gb18030" or high < len(sample) * 0.3


def parse(
    data: bytes,
    url: str | None = None,
    format: str | None = None,
    source: str | None = None,
    content_type: str | None = None,
) -> Iterator[dict]:
    """One ``announcement`` item for one article; ParseError says why a page cannot be one.

    ``content_type`` is the HTTP header, whose charset wins over the page's own declaration."""
    if not data.strip():
        raise ParseError("empty document")
    if len(data) > MAX_BYTES:
        raise ParseError(f"page too large ({len(data)} bytes > {MAX_BYTES})")
    name = format or sniff(data[:65536]) or "text-article"
    if name not in FORMATS:
        raise ParseError(f"unknown format {name!r}")
    item = _from_html(data, url, content_type) if name == "html-article" else _from_text(data, url)
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


def _from_html(data: bytes, url: str | None, content_type: str | None) -> dict[str, Any]:
    # The HTML extractors take about a second to import: a plain-text article never pays it.
    import trafilatura

    # The charset of the HTTP header, else a BOM, else <meta charset> or http-equiv (w3lib, as
    # Scrapy reads responses); pages that declare none are read as UTF-8 or Windows-1252.
    declared, html = html_to_unicode(content_type, data, auto_detect_fun=_guess_encoding)
    if "\ufffd" in html:
        # A wrong declaration (Latin-1 bytes under "utf-8") is the commonest lie: the bytes win.
        try:
            data.decode(declared)
        except (UnicodeDecodeError, LookupError):
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
    import extruct

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
    import htmldate

    try:
        return htmldate.find_date(tree, url=url, original_date=True, extensive_search=False)
    except (ValueError, TypeError) as exc:
        logger.debug("htmldate failed: %s", exc)
        return None


def _decode(data: bytes) -> str:
    try:
        return data.decode(_guess_encoding(data))
    except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined (0x81, 0x8d, ...)
        return data.decode("latin-1")


def _guess_encoding(data: bytes) -> str:
    """UTF-8 when it is; GB18030 (GBK's superset) when it reads as Chinese; else Windows-1252."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return "cp1252"
    high = sum(1 for ch in text if ord(ch) > 127)
    return "gb18030" if high and len(_CJK.findall(text)) >= high * 0.8 else "cp1252"


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
