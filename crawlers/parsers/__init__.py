"""Pure parsers: document bytes in, items (ITEMS.md) out; one entry point knows every format."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from types import ModuleType

from crawlers.parsers.errors import ParseError

# Format name prefix → parser module. Each module has sniff(head) -> str | None and
# parse(data, url=None, ...) -> Iterator[dict]; the first module whose sniff answers wins.
PARSER_MODULES = (
    "crawlers.parsers.ted",
    "crawlers.parsers.kev",
    "crawlers.parsers.ocds",
    "crawlers.parsers.datasets",
    "crawlers.parsers.legistar",
    "crawlers.parsers.pdf",
    # Last: its plain-text sniff accepts any text whose first line is a URL.
    "crawlers.parsers.article",
)


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
    """Parse one document of any known format (guessed from its content when not given)."""
    name = format or detect_format(data)
    return parser_for(name)(data, url=url, format=name)
