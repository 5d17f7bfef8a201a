"""One safe lxml parser for the whole project: no entities, no network, no DTD, size limits on."""

from __future__ import annotations

import threading
from typing import IO, Any

from lxml import etree

from crawlers.parsers.errors import ParseError

# Options shared by every parser and iterparse in the project (DESIGN.md, safety baseline).
SAFE_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}

_local = threading.local()


def make_parser(**overrides: Any) -> etree.XMLParser:
    """A new XMLParser with the safe options (callers may add e.g. remove_blank_text)."""
    return etree.XMLParser(**{**SAFE_OPTIONS, **overrides})


def _thread_parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe but are cheap to reuse within a thread.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = make_parser(remove_comments=True)
    return parser


def fromstring(data: bytes, name: str = "document") -> etree._Element:
    """Parse bytes safely; refuse entity declarations; raise ParseError naming `name`."""
    # Refused before parsing: a DTD declaring entities is how bombs and XXE arrive.
    if b"<!DOCTYPE" in data[:65536] and b"<!ENTITY" in data:
        raise ParseError(f"{name}: entity declarations are refused (possible entity bomb or XXE)")
    try:
        root = etree.fromstring(data, _thread_parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{name}: malformed XML: {exc}") from exc
    except ValueError as exc:  # e.g. str with encoding declaration, empty input
        raise ParseError(f"{name}: cannot parse: {exc}") from exc
    refuse_entities(root, name)
    return root


def refuse_entities(root: etree._Element, name: str = "document") -> None:
    """Raise ParseError when the document declares entities (billion laughs, XXE)."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError(f"{name}: entity declarations are refused (possible entity bomb or XXE)")


def iterparse(source: str | IO[bytes], **kwargs: Any) -> etree.iterparse:
    """etree.iterparse with the safe options; the caller catches XMLSyntaxError per document."""
    return etree.iterparse(source, **{**SAFE_OPTIONS, **kwargs})
