"""The redacted text of an archived document, as the registry publishes it for reuse.

A PDF is its text layer, an XML or HTML page its text, a JSON document its values written out;
an OCDS package keeps only the releases or records of the notice it is evidence of. Personal
data goes by structure first (contact points, phone fields, fields that name a person:
``registry/reference/person-fields.csv``), then through the registry's one redactor.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from lxml import etree, html

from crawlers import xmlsafe
from crawlers.parsers import compressed, pdf
from crawlers.parsers.errors import ParseError
from crawlers.reference import reference_path
from registry.normalise.record import CONTACT_KEYS, PHONE_KEYS
from registry.normalise.redact import (
    EMAIL_REPLACEMENT,
    MAX_CHARS,
    NAME_REPLACEMENT,
    PHONE_REPLACEMENT,
    redact_contact,
    redact_text,
)

# Text beyond this is cut (and the cut said): the redactor refuses longer texts outright.
MAX_TEXT = MAX_CHARS // 2
# OCDS packages list their notices under these keys.
PACKAGE_KEYS = ("releases", "records")
MAX_DEPTH = 16


@dataclass(frozen=True)
class DocumentText:
    """The published text of a document: its format, which part of it, and the text."""

    format: str
    part: str
    text: str
    truncated: bool

    def redactions(self) -> dict[str, int]:
        """How many e-mails, phones and names were replaced."""
        return {
            "emails": self.text.count(EMAIL_REPLACEMENT),
            "phones": self.text.count(PHONE_REPLACEMENT),
            "names": self.text.count(NAME_REPLACEMENT),
        }


def document_text(body: bytes, record: dict[str, Any]) -> DocumentText | None:
    """The redacted text of ``body`` for the stored ``record`` it was read for; None when the
    document holds no text to publish (an image-only PDF, a member that is not there)."""
    body_or_none = _member(body, record.get("package_member"))
    if body_or_none is None:
        return None
    body = body_or_none
    try:
        found = _text(body, str(record.get("source_id") or ""))
    except (ParseError, ValueError, etree.LxmlError):
        return None
    if found is None:
        return None
    kind, part, text = found
    truncated = len(text) > MAX_TEXT
    text = redact_text(text[:MAX_TEXT]).strip()
    return DocumentText(kind, part, text, truncated) if text else None


def _member(body: bytes, package_member: Any) -> bytes | None:
    """The document itself, or the member of a gzip, zip or tar the record was read from."""
    if compressed.container_of(body[: compressed.MAGIC_BYTES]) is None:
        return body
    wanted = str(package_member or "").rsplit("#", 1)[-1]
    for member in compressed.members(io.BytesIO(body)):
        if not wanted or member.name.rsplit("#", 1)[-1] == wanted:
            return member.read()
    return None


def _text(body: bytes, source_id: str) -> tuple[str, str, str] | None:
    if pdf.sniff(body[: pdf.HEADER_WINDOW]):
        return "pdf", "whole document", _pdf_text(body)
    start = body.lstrip()[:1]
    if start in (b"{", b"["):
        data, part = _notice_part(json.loads(body.decode("utf-8-sig")), source_id)
        return "json", part, _written_out(_without_people(data))
    if start == b"<":
        head = body.lstrip()[:512].lower()
        if head.startswith(b"<!doctype html") or b"<html" in head:
            return "html", "whole document", _html_text(body)
        return "xml", "whole document", _xml_text(xmlsafe.fromstring(body))
    return "text", "whole document", body.decode("utf-8", errors="replace")


def _pdf_text(body: bytes) -> str:
    pages: dict[int, list[str]] = {}
    for line in pdf.read(body).lines:
        pages.setdefault(line.page, []).append(line.text)
    return "\n\n".join(f"[page {n}]\n" + "\n".join(lines) for n, lines in sorted(pages.items()))


def _notice_part(data: Any, source_id: str) -> tuple[Any, str]:
    """An OCDS package narrowed to the releases or records of one notice (``ocid/release id``)."""
    if not isinstance(data, dict):
        return data, "whole document"
    for key in PACKAGE_KEYS:
        entries = data.get(key)
        if not isinstance(entries, list) or len(entries) < 2:
            continue
        ocid, _, release_id = source_id.partition("/")
        chosen = [e for e in entries if _is_notice(e, ocid, release_id)]
        if chosen:
            narrowed = {k: v for k, v in data.items() if k not in PACKAGE_KEYS}
            narrowed[key] = chosen
            return narrowed, f"{len(chosen)} of the {len(entries)} {key} in the document"
    return data, "whole document"


def _is_notice(entry: Any, ocid: str, release_id: str) -> bool:
    if not isinstance(entry, dict) or entry.get("ocid") != ocid:
        return False
    # A record (all releases of one procedure) is the notice's; a release must be this one.
    return "id" not in entry or not release_id or str(entry.get("id")) == release_id


def _without_people(value: Any, key: str | None = None, depth: int = 0) -> Any:
    """JSON with contact points, phones and the fields that name a person taken out."""
    folded = key.casefold() if isinstance(key, str) else ""
    if folded in CONTACT_KEYS:
        if isinstance(value, list):
            return [contact for entry in value if (contact := redact_contact(entry))]
        return redact_contact(value)
    if _names_a_person(folded):
        return None
    if isinstance(value, dict) and depth < MAX_DEPTH:
        return {str(k): _without_people(v, str(k), depth + 1) for k, v in value.items()}
    if isinstance(value, list) and depth < MAX_DEPTH:
        return [_without_people(entry, None, depth + 1) for entry in value]
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    return None


def _names_a_person(folded_key: str) -> bool:
    return bool(folded_key) and (
        folded_key in PHONE_KEYS or any(folded_key.endswith(s) for s in _person_fields())
    )


def _written_out(data: Any) -> str:
    """JSON values as indented ``key: value`` lines, empty values left out."""
    pruned = _pruned(data)
    if pruned is None:
        return ""
    return yaml.safe_dump(
        pruned, allow_unicode=True, sort_keys=False, width=1_000_000, default_flow_style=False
    )


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: p for k, v in value.items() if (p := _pruned(v)) is not None}
        return kept or None
    if isinstance(value, list):
        items = [p for v in value if (p := _pruned(v)) is not None]
        return items or None
    if value is None or value == "":
        return None
    return value


def _xml_text(root: etree._Element) -> str:
    """Each element's own text as ``Name: text``, leaving out contact names and phones."""
    lines = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        text = (element.text or "").strip()
        if not text or _names_a_person(name.casefold()) or _contact_name(element):
            continue
        lines.append(f"{name}: {text}")
    return "\n".join(lines)


def _contact_name(element: etree._Element) -> bool:
    """A person's name inside a contact point (``cac:Contact/cbc:Name``, ``CONTACT_POINT``)."""
    name = etree.QName(element).localname.casefold()
    if name in {"contact_point", "contactpoint", "attention"}:
        return True
    if name not in {"name", "contactname"}:
        return False
    return any(
        etree.QName(parent).localname.casefold().replace("_", "") in {"contact", "contactpoint"}
        for parent in element.iterancestors()
        if isinstance(parent.tag, str)
    )


def _html_text(body: bytes) -> str:
    tree = html.fromstring(body)
    for element in tree.xpath("//script|//style|//noscript|//template"):
        element.drop_tree()
    lines = (" ".join(line.split()) for line in tree.text_content().splitlines())
    return "\n".join(line for line in lines if line)


@cache
def _person_fields() -> tuple[str, ...]:
    """Endings of field names whose values name a person (``MatterHistoryMoverName``)."""
    with reference_path("person-fields.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(row["ending"].casefold() for row in csv.DictReader(handle))
