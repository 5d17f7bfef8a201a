"""Text-layer PDFs (signed contracts, purchase orders, council attachments, tender files) as
``notice`` items.

The text layer is read with pdfminer.six, line by line with each line's position, so that a
label finds its value beside or below it as forms and order tables lay them out ("Contract
Total:" … "$342,000.00"; "Quantity" above "57"). Values stay as the document wrote them:
parties, dates, amounts (each with the label it stands under), the technology terms of the
taxonomy that the text uses, and camera counts. Personal names are never read: a party is an
organisation named beside a party label or carrying a legal-entity suffix. A PDF without a text
layer (a scan) is a ParseError, never an empty record; so is a file that is not a PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from crawlers.parsers.errors import ParseError
from crawlers.reference import load

if TYPE_CHECKING:
    from pdfminer.layout import LTPage

# Public records often carry a "no text extraction" permission, which pdfminer warns about for
# every file it reads (naming a BytesIO, not the document): reading a public record is the point.
logging.getLogger("pdfminer.pdfpage").setLevel(logging.ERROR)

FORMATS = ("pdf",)
# ISO 32000-1 §7.5.2 puts the header first; readers accept it within the first 1024 bytes.
HEADER_WINDOW = 1024
MAX_PAGES = 500  # an agenda packet has a few hundred pages; more is not one document
MAX_PARTIES = 12
DESCRIPTION_LINES = 3
DESCRIPTION_CHARS = 600
# A value sits on its label's row, or below it within this many line heights.
BELOW_LINES = 2.5

# Labels of the amount that is the document's value, strongest first; an amount under any other
# label (an insurance limit, a unit price, a subtotal) is kept in ``amounts`` but is no value.
TOTAL_LABELS = (
    "contract total",
    "total contract amount",
    "total contract value",
    "total contract price",
    "contract amount",
    "contract value",
    "contract price",
    "not to exceed",
    "total po amount",
    "total purchase order amount",
    "grand total",
    "total amount",
    "total cost",
    "total",
    "合同金额",
    "合同总价",
    "中标金额",
    "成交金额",
    "项目预算",
    "预算金额",
    "采购预算",
    "最高限价",
)
TITLE_LABELS = ("项目名称", "project name", "project title")
DATE_LABELS = ("date", "dated", "date issued", "issue date", "effective date", "日期", "发布日期")
CURRENCY_LABELS = ("currency", "币种")
SUPPLIER_LABELS = (
    "supplier",
    "supplier name",
    "vendor",
    "vendor name",
    "contractor",
    "供应商",
    "供应商名称",
    "中标人",
    "中标供应商",
    "成交供应商",
)
BUYER_LABELS = ("采购人", "采购单位", "项目单位", "purchaser", "contracting authority")
AGENT_LABELS = ("采购代理机构", "代理机构")
PARTY_LABELS = ("between", "and")  # "BETWEEN: The City of X, (City) … AND: Y Inc, (Contractor)"
PARTY_ROLES = {
    "city": "buyer",
    "county": "buyer",
    "customer": "buyer",
    "owner": "buyer",
    "contractor": "supplier",
    "vendor": "supplier",
    "supplier": "supplier",
    "consultant": "supplier",
    "provider": "supplier",
}
QUANTITY_HEADERS = ("quantity", "qty", "数量")
# Words of a document title that say what kind of notice it is, checked in this order.
NOTICE_TYPES = (
    ("request for information", "prior-information"),
    ("request for proposal", "tender"),
    ("request for qualifications", "tender"),
    ("invitation to bid", "tender"),
    ("invitation for bid", "tender"),
    ("purchase order", "award"),
    ("contract", "award"),
    ("agreement", "award"),
    ("招标文件", "tender"),
    ("招标公告", "tender"),
    ("采购文件", "tender"),
    ("单一来源", "tender"),
    ("中标", "award"),
    ("成交", "award"),
    ("合同", "award"),
)

_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_NUMBER = r"\d{1,3}(?:[,\s]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MONEY = re.compile(
    rf"(?:US\$|C\$|A\$|\$|€|£|¥|￥)\s?(?:{_NUMBER})(?:\s?(?:million|billion|m|bn|k)\b)?"
    rf"|(?:USD|EUR|GBP|CNY|RMB|CAD|AUD)\s?(?:{_NUMBER})"
    rf"|(?:{_NUMBER})\s?(?:USD|EUR|GBP|CNY|RMB|CAD|AUD)\b"
    rf"|(?:{_NUMBER})\s?(?:万元|萬元|亿元|億元|元)",
    re.IGNORECASE,
)
# An amount without a currency (a purchase order's "342000.00") counts only under a total label.
_BARE_AMOUNT = re.compile(r"^\d{1,3}(?:,\d{3})*\.\d{2}$|^\d+\.\d{2}$")
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = re.compile(
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}[/-]\d{1,2}[/-]\d{4}\b"
    r"|\d{4}\s?年\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?日)?",
    re.IGNORECASE,
)
_ANY = re.compile(r".+")
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")
_ORGANISATION = re.compile(
    r"\b((?:[A-Z][\w&'.-]*\s){0,5}[A-Z][\w&'.-]*,?\s"
    r"(?:Inc|Incorporated|LLC|L\.L\.C|Ltd|Limited|Corporation|Corp|Company|LLP|L\.P|GmbH|AG|"
    r"S\.A|B\.V|N\.V|PLC|plc)\b\.?)"
    r"|([\u4e00-\u9fff（）()]{2,40}?(?:股份有限公司|有限责任公司|有限公司))"
)
_CAMERA_COUNT = re.compile(
    r"\b(\d[\d,]*)\s+(?:\(\d+\)\s+)?(?:[\w-]+\s+){0,4}?(?:cameras?|camera systems?)\b"
    r"|(\d+)\s?(?:路|个|台|套|处)?\s?(?:摄像机|摄像头|监控点位)",
    re.IGNORECASE,
)
_CAMERA_PRODUCT = re.compile(r"(?i)\bcamera|\blpr\b|\balpr\b|\banpr\b|falcon|摄像")
_WHOLE_NUMBER = re.compile(r"^\d{1,6}$")
# The numbering of a list item before its label: "7.", "1.1", "(3)", "（一）", "二、".
_ENUMERATION = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*[.、)]?\s+|\d+(?:\.\d+)*[.、)]|[（(][一二三四五六七八九十\d]+[)）]"
    r"|[一二三四五六七八九十]+、)\s*"
)


@dataclass(frozen=True)
class Line:
    """One line of the text layer with its position (PDF units, origin at the bottom left)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    def same_row(self, other: Line) -> bool:
        middle = (other.y0 + other.y1) / 2
        return self.page == other.page and self.y0 <= middle <= self.y1

    def below(self, other: Line) -> bool:
        """Whether this line starts under ``other``, close enough to be its value."""
        gap = other.y0 - self.y1
        overlaps = self.x0 < other.x1 and other.x0 < self.x1
        return self.page == other.page and overlaps and -1 <= gap <= BELOW_LINES * other.height


@dataclass
class Document:
    lines: list[Line]
    pages: int
    image_pages: int
    metadata: dict[str, Any]


def sniff(head: bytes) -> str | None:
    return "pdf" if b"%PDF-" in head[:HEADER_WINDOW] else None


def parse(
    data: bytes,
    url: str | None = None,
    format: str = "pdf",
    *,
    source: str = "pdf",
    source_id: str | None = None,
    hints: dict[str, Any] | None = None,
) -> Iterator[dict]:
    """One notice item for the document; ``hints`` (title, buyer, procedure_id, notice_type,
    published, ...) are what the publisher says of it and take the place of what is read."""
    if sniff(data[:HEADER_WINDOW]) is None:
        start = data[:16].decode("latin-1").strip() or "an empty body"
        raise ParseError(f"not a PDF: no %PDF- header in the first {HEADER_WINDOW} bytes "
                         f"(starts with {start!r})")  # fmt: skip
    document = read(data)
    if not any(line.text for line in document.lines):
        images = (
            f"{document.image_pages} of {document.pages} pages are images"
            if document.image_pages
            else f"{document.pages} pages without text"
        )
        raise ParseError(f"no text layer: {images}; the document needs OCR before it can be read")
    yield _item(document, data, url, source, source_id, hints or {})


def read(data: bytes) -> Document:
    """The text lines of a PDF, decrypting an empty user password (RC4 or AES)."""
    # pdfminer is imported by the first PDF read: telling a PDF from other formats needs none of it.
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    lines: list[Line] = []
    pages = image_pages = 0
    try:
        for number, page in enumerate(
            extract_pages(io.BytesIO(data), password="", maxpages=MAX_PAGES, laparams=LAParams()),
            start=1,
        ):
            pages += 1
            before = len(lines)
            lines.extend(_lines(page, number))
            if len(lines) == before and _has_images(page):
                image_pages += 1
        metadata = _metadata(data)
    except PDFPasswordIncorrect as exc:
        raise ParseError("encrypted PDF: it needs a password to open") from exc
    except ParseError:
        raise
    except Exception as exc:  # pdfminer raises many kinds on a damaged file; each is one error
        raise ParseError(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    if not pages:
        raise ParseError("unreadable PDF: no pages")
    return Document(lines, pages, image_pages, metadata)


def _lines(page: LTPage, number: int) -> Iterator[Line]:
    from pdfminer.layout import LTTextContainer, LTTextLine

    for element in page:
        if isinstance(element, LTTextContainer):
            for line in element:
                if isinstance(line, LTTextLine) and (text := _clean(line.get_text())):
                    yield Line(number, line.x0, line.y0, line.x1, line.y1, text)


def _has_images(page: LTPage) -> bool:
    from pdfminer.layout import LTFigure, LTImage

    return any(isinstance(element, LTImage | LTFigure) for element in page)


def _clean(text: str) -> str:
    return _CJK_GAP.sub("", _SPACES.sub(" ", text)).strip()


def _metadata(data: bytes) -> dict[str, Any]:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    document = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    info: dict[str, Any] = {}
    for entry in document.info:
        for key in ("Title", "CreationDate", "ModDate"):  # never Author: a person's name
            value = entry.get(key)
            if isinstance(value, bytes):
                value = _pdf_string(value)
            if isinstance(value, str) and value.strip():
                info[key] = value.strip()
    return info


def _pdf_string(value: bytes) -> str:
    """A PDF text string: UTF-16 with its byte-order mark, else PDFDocEncoding (~ Latin-1)."""
    if value[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return value.decode("utf-16", errors="replace")
    return value.decode("latin-1")


def _item(
    document: Document,
    data: bytes,
    url: str | None,
    source: str,
    source_id: str | None,
    hints: dict[str, Any],
) -> dict:
    lines = document.lines
    title = hints.get("title") or _labelled(lines, TITLE_LABELS, _ANY) or _title(document)
    amounts = list(_amounts(lines))
    parties = _parties(lines)
    terms = _technology_terms(lines)
    quantities = _camera_counts(lines)
    buyer_party = next((p["name"] for p in parties if p["role"] == "buyer"), None)
    buyer = {"name": buyer_party, "country": None, "city": None, **(hints.get("buyer") or {})}
    digest = hashlib.sha256(data).hexdigest()
    item = {
        "kind": "notice",
        "source": source,
        "source_id": source_id or f"pdf-{digest[:16]}",
        "procedure_id": hints.get("procedure_id"),
        "url": url,
        "notice_type": hints.get("notice_type") or _notice_type(f"{title} {_title(document)}"),
        "title": title,
        "description": _description(lines, terms),
        "language": hints.get("language") or ("zh" if _is_cjk(lines) else None),
        "published": hints.get("published") or _document_date(document),
        "buyer": buyer,
        "cpv": [],
        "suppliers": [
            {"name": p["name"], "country": None} for p in parties if p["role"] == "supplier"
        ],  # fmt: skip
        "value": _value(lines, amounts),
        "technologies": [],
        "vendors": [],
        "parties": parties,
        "dates": _dates(lines),
        "amounts": amounts,
        "technologies_raw": terms,
        "quantities": quantities,
        "cameras": quantities[0]["count"] if quantities else None,
        "pages": document.pages,
        "document_format": "pdf",
    }
    for key in ("related_notices", "decision", "request", "document_type", "agency", "date_order"):
        if key in hints:
            item[key] = hints[key]
    return item


def _title(document: Document) -> str:
    title = document.metadata.get("Title") or ""
    # Word's printer driver names the file, not the document: "Microsoft Word - x.docx".
    if title and not re.search(r"(?i)^microsoft|\.(docx?|xlsx?|pdf)$|^untitled", title):
        return title
    first: list[str] = []
    for line in document.lines:
        if line.page != 1 or sum(map(len, first)) > 120:
            break
        first.append(line.text)
        if len(first) == 2:
            break
    return " ".join(first)


def _notice_type(title: str) -> str:
    folded = title.casefold()
    return next((kind for words, kind in NOTICE_TYPES if words in folded), "other")


def _is_cjk(lines: list[Line]) -> bool:
    text = "".join(line.text for line in lines[:200])
    cjk = sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
    return cjk > len(text) / 4


def _label(text: str, labels: tuple[str, ...]) -> tuple[str, str] | None:
    """The label a line starts with and the rest of the line, if it starts with one."""
    text = _ENUMERATION.sub("", text)
    folded = text.casefold()
    for label in sorted(labels, key=len, reverse=True):
        if folded.startswith(label):
            rest = text[len(label) :].strip()
            # A label ends its line or is followed by a colon or its value: "Contractor is
            # engaged" is prose, "Dated" is not "Date".
            if rest and not re.match(r"[:：]|[\d$€£¥￥]", rest):
                continue
            return label, rest.lstrip(" :：").strip()
    return None


def _values(lines: list[Line], index: int, rest: str) -> Iterator[str]:
    """Candidate values of the label at ``lines[index]``: the rest of its line, the lines to its
    right on its row, then the lines below it."""
    label = lines[index]
    if rest:
        yield rest
    window = lines[max(0, index - 40) : index + 40]
    beside = sorted(
        (line for line in window if line is not label and line.same_row(label)
         and line.x0 >= label.x1 - 1),
        key=lambda line: line.x0,
    )  # fmt: skip
    below = sorted(
        (line for line in window if line is not label and line.below(label)),
        key=lambda line: -line.y1,
    )
    # A label with something after it on its line ("Supplier: 1000008226") heads a column
    # block: its value continues below it. Only the nearest cell beside a label is its own.
    for line in [*below, *beside[:1]] if rest else [*beside[:1], *below]:
        if not line.text.endswith((":", "：")):  # another label, not this one's value
            yield line.text.split("：", 1)[-1] if "：" in line.text else line.text


def _amounts(lines: list[Line]) -> Iterator[dict[str, Any]]:
    for index, line in enumerate(lines):
        for match in _MONEY.finditer(line.text):
            prefix = line.text[: match.start()].strip(" :：")
            yield {"amount": match.group().strip(), "label": prefix or _left_label(lines, index),
                   "page": line.page}  # fmt: skip


def _left_label(lines: list[Line], index: int) -> str | None:
    """The text to the left on the same row (an order table's label column), if any."""
    line = lines[index]
    window = lines[max(0, index - 40) : index + 40]
    left = [other for other in window if other.same_row(line) and other.x1 <= line.x0 + 1]
    return max(left, key=lambda other: other.x1).text if left else None


def _value(lines: list[Line], amounts: list[dict[str, Any]]) -> dict[str, Any] | None:
    currency = _labelled(lines, CURRENCY_LABELS, re.compile(r"^[A-Z]{3}$"))
    for label in TOTAL_LABELS:
        for amount in amounts:
            found = _label(amount["label"] or "", (label,))
            if found and not found[1]:
                return {"amount": amount["amount"], "currency": currency}
        for index, line in enumerate(lines):
            found = _label(line.text, (label,))
            if found is None or (found[1] and not _is_amount(found[1])):
                continue
            for value in _values(lines, index, found[1]):
                if _is_amount(value):
                    return {"amount": value, "currency": currency}
    return None


def _is_amount(text: str) -> bool:
    match = _MONEY.fullmatch(text.strip())
    return bool(match) or bool(_BARE_AMOUNT.match(text.strip()))


def _labelled(lines: list[Line], labels: tuple[str, ...], pattern: re.Pattern[str]) -> str | None:
    for index, line in enumerate(lines):
        found = _label(line.text, labels)
        if found is None:
            continue
        for value in _values(lines, index, found[1]):
            if pattern.search(value):
                return pattern.search(value).group()  # type: ignore[union-attr]
    return None


def _dates(lines: list[Line]) -> list[str]:
    found: dict[str, None] = {}
    for line in lines:
        for match in _DATE.finditer(line.text):
            found.setdefault(match.group(), None)
    return list(found)[:50]


def _document_date(document: Document) -> str | None:
    labelled = _labelled(document.lines, DATE_LABELS, _DATE)
    if labelled:
        return labelled
    created = _PDF_DATE.match(document.metadata.get("CreationDate") or "")
    if created:
        year, month, day = created.group(1), created.group(2) or "01", created.group(3) or "01"
        try:
            return dt.date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            pass
    first_page = (line for line in document.lines if line.page == 1)
    return next((m.group() for line in first_page if (m := _DATE.search(line.text))), None)


def _parties(lines: list[Line]) -> list[dict[str, Any]]:
    parties: dict[str, dict[str, Any]] = {}

    def add(name: str, role: str | None) -> None:
        name = re.sub(r"^(?i:the)\s+", "", name).strip(" ,;:.（(")
        if len(name) < 3 or len(parties) >= MAX_PARTIES or not re.search(r"[^\W\d_]", name):
            return
        if "[" in name or "【" in name:  # an unfilled template field, "[合同中心-供应商名称]"
            return
        entry = parties.setdefault(name.casefold(), {"name": name, "role": role})
        entry["role"] = entry["role"] or role

    for index, line in enumerate(lines):
        for labels, role in (
            (SUPPLIER_LABELS, "supplier"),
            (BUYER_LABELS, "buyer"),
            (AGENT_LABELS, "agent"),
            (PARTY_LABELS, None),
        ):
            found = _label(line.text, labels)
            if found is None or (labels is PARTY_LABELS and not line.text.isupper()):
                continue
            values = _values(lines, index, found[1])
            value = next((v for v in values if _has_name(v)), None)
            if value:
                name, stated_role = _party_name(value)
                add(name, role or stated_role)
            break
        for match in _ORGANISATION.finditer(line.text):
            # "an Oregon Municipal Corporation" describes a party; it does not name one.
            if not re.search(r"(?i)\ban?\s*$", line.text[: match.start()]):
                add(match.group(1) or match.group(2), None)
    return list(parties.values())


def _has_name(text: str) -> bool:
    return bool(re.search(r"[^\W\d_]{2}", text))


def _party_name(value: str) -> tuple[str, str | None]:
    """The name and role of "The City of Eugene, (City) an Oregon Municipal Corporation"."""
    value = re.sub(r"^\d+\s+", "", value)  # a supplier number before the name
    role_word = re.search(r"\(\s*[“\"]?([A-Za-z]+)[”\"]?\s*\)", value)
    name = re.split(r"[,(（]", value, maxsplit=1)[0]
    role = PARTY_ROLES.get(role_word.group(1).casefold()) if role_word else None
    return name.strip(), role


@cache
def _technology_pattern() -> re.Pattern[str]:
    """Every keyword of the taxonomy, any language, as one pattern (``*`` ends a prefix)."""
    terms: set[str] = set()
    for technology in load("taxonomy.yaml")["technologies"]:
        for words in (technology.get("keywords") or {}).values():
            terms.update(str(word).casefold() for word in words or [])
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):
        body = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+")
        if re.search(r"[\u3400-\u9fff]", term):
            alternatives.append(body)
        elif term.endswith("*"):
            alternatives.append(rf"\b{body}\w*")
        else:
            alternatives.append(rf"\b{body}\b")
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _technology_terms(lines: list[Line]) -> list[str]:
    pattern = _technology_pattern()
    found: dict[str, str] = {}
    for line in lines:
        for match in pattern.finditer(line.text):
            found.setdefault(match.group().casefold(), match.group())
    return list(found.values())


def _description(lines: list[Line], terms: list[str]) -> str | None:
    """The first lines that name a technology, as written: what the document is about."""
    if not terms:
        return None
    pattern = _technology_pattern()
    chosen: dict[str, None] = {}
    for line in lines:
        if pattern.search(line.text) and len(chosen) < DESCRIPTION_LINES:
            chosen.setdefault(line.text, None)
    return " … ".join(chosen)[:DESCRIPTION_CHARS] or None


def _camera_counts(lines: list[Line]) -> list[dict[str, Any]]:
    counts: list[dict[str, Any]] = []
    headers = [line for line in lines if line.text.casefold().rstrip(":") in QUANTITY_HEADERS]
    for index, line in enumerate(lines):
        for match in _CAMERA_COUNT.finditer(line.text):
            counts.append({"count": match.group(1) or match.group(2), "text": line.text})
        if not _CAMERA_PRODUCT.search(line.text):
            continue
        # An order table: the product's row holds its quantity in the column under "Quantity".
        window = lines[max(0, index - 60) : index + 60]
        for cell in window:
            if (
                _WHOLE_NUMBER.match(cell.text)
                and cell.same_row(line)
                and any(_under(cell, header) for header in headers)
            ):
                counts.append({"count": cell.text, "text": f"{line.text}: {cell.text}"})
    return counts


def _under(cell: Line, header: Line) -> bool:
    return (
        cell.page == header.page
        and cell.y1 <= header.y0 + 1
        and cell.x0 < header.x1
        and header.x0 < cell.x1
    )
