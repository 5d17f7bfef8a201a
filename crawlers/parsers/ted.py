"""The one TED entry point: tells eForms, legacy TED XML and TED API JSON apart and parses them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from crawlers.parsers import ted_api, ted_eforms, ted_legacy
from crawlers.parsers.errors import ParseError

FORMATS = ("ted-eforms", "ted-legacy", "ted-api-v3", "ted-api-v2")


def sniff(head: bytes) -> str | None:
    """The TED format of a document from its first bytes, or None when it is not TED."""
    # JSON first: a v2 record may carry raw notice XML inside its first bytes.
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return ted_api.sniff(head)
    if ted_legacy.sniff(head):
        return "ted-legacy"
    if ted_eforms.sniff(head):
        return "ted-eforms"
    return None


def _parsers() -> dict[str, Callable[..., Iterator[dict]]]:
    return {
        "ted-eforms": ted_eforms.parse,
        "ted-legacy": ted_legacy.parse,
        "ted-api-v3": ted_api.parse_v3,
        "ted-api-v2": ted_api.parse_v2,
    }


def parse(data: bytes, url: str | None = None, format: str | None = None) -> Iterator[dict]:
    """Items from any TED document; ``format`` skips the sniffing."""
    name = format or sniff(data[:65536])
    if name is None:
        raise ParseError(
            f"{url or 'document'}: not a TED document (eForms, TED_EXPORT or API JSON)"
        )
    parser = _parsers().get(name)
    if parser is None:
        raise ParseError(f"unknown TED format {name!r}")
    return parser(data, url=url)
