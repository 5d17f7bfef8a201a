"""Pure parsers: document bytes in, items (ITEMS.md) out; one entry point knows every format."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Iterator
from types import ModuleType

from crawlers.parsers import compressed
from crawlers.parsers.errors import ParseError

# Parser modules, asked in order. Each has FORMATS, sniff(head) -> str | None and
# parse(data, url=None, format=None) -> Iterator[dict]; the first module whose sniff answers
# wins. A new format is one line here (a PDF reader goes before the article's text fallback).
PARSER_MODULES = (
    "crawlers.parsers.ted",
    "crawlers.parsers.kev",
    "crawlers.parsers.ocds",
    "crawlers.parsers.datasets",
    "crawlers.parsers.legistar",
    "crawlers.parsers.pdf",
    # Last: its plain-text sniff accepts any text.
    "crawlers.parsers.article",
)
# Formats whose parser reads a stream: a compressed bulk file is never held decompressed.
STREAMING_FORMATS = frozenset({"ocds"})


def _modules() -> Iterator[ModuleType]:
    # One at a time and in order: a notice need not pay for the article extractors' imports.
    return (importlib.import_module(name) for name in PARSER_MODULES)


def detect_format(data: bytes) -> str:
    """Name the format of a document from its content; ParseError when no parser knows it."""
    head = data[:65536]
    for module in _modules():
        name = module.sniff(head)
        if name:
            return name
    known = ", ".join(name for module in _modules() for name in module.FORMATS)
    raise ParseError(f"unrecognised format (known formats: {known})")


def parser_for(format_name: str) -> Callable[..., Iterator[dict]]:
    """The parse function of the module that owns ``format_name``."""
    for module in _modules():
        if format_name in getattr(module, "FORMATS", ()):
            return module.parse
    raise ParseError(f"unknown format {format_name!r}")


def parse_document(
    data: bytes, url: str | None = None, format: str | None = None
) -> Iterator[dict]:
    """Parse one document of any known format (guessed from its content when not given);
    a gzip, zip or tar of documents gives the items of each member in turn."""
    if compressed.container_of(data[: compressed.MAGIC_BYTES]) is None:
        name = format or detect_format(data)
        return _with_source(parser_for(name)(data, url=url, format=name), name)
    return (item for _, items in parse_members(data, url, format) for item in items)


def parse_members(
    data: bytes, url: str | None = None, format: str | None = None, name: str | None = None
) -> Iterator[tuple[str, Iterator[dict]]]:
    """(member name, its items) for each file of a compressed document, under the crawler's
    decompression limits; a plain document is one member, called ``name`` (or its URL). Read
    each member's items before asking for the next: members are streamed, never extracted."""
    label = name or url
    for member in compressed.members(io.BytesIO(data), label):
        yield member.name, _member_items(member, url, format, label)


def _member_items(
    member: compressed.Member, url: str | None, format: str | None, label: str | None
) -> Iterator[dict]:
    name = format or detect_format(member.head())
    parse = parser_for(name)
    source = member.stream if name in STREAMING_FORMATS else member.read()
    for item in _with_source(parse(source, url=url, format=name), name):
        if member.name != (label or "document"):
            item.setdefault("package_member", member.name)
        yield item


def _with_source(items: Iterator[dict], format_name: str) -> Iterator[dict]:
    # A document read outside a crawl (survreg parse) has no spider to name its source: a
    # parser that cannot tell it (an article) leaves it to the format's name.
    for item in items:
        item.setdefault("source", format_name)
        yield item
