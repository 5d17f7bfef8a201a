"""TED daily packages (tar.gz of one OJ S issue), streamed member by member, never to disk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from crawlers.parsers import compressed, ted
from crawlers.parsers.errors import ParseError

# A notice above this is not a notice (the largest real ones are a few MB with all translations).
MAX_MEMBER_BYTES = 32 * 1024 * 1024


@dataclass
class Member:
    """What one package member gave: items, or the error that stopped it."""

    name: str
    items: list[dict] = field(default_factory=list)
    error: str | None = None


def iter_package(
    fileobj: IO[bytes],
    max_member_bytes: int = MAX_MEMBER_BYTES,
) -> Iterator[Member]:
    """Notices of a package (tar.gz as TED publishes it, or zip, tar, gzip), each parsed on its
    own; a bad member never stops the rest. A truncated or corrupt archive ends with a Member
    named '<package>' carrying the error."""
    count = 0
    stream = compressed.members(fileobj)
    while True:
        try:
            member = next(stream)
        except StopIteration:
            return
        except ParseError as exc:
            yield Member(
                "<package>", error=f"truncated or corrupt package after {count} members: {exc}"
            )
            return
        if not member.name.lower().endswith(".xml"):
            continue
        count += 1
        try:
            data = member.read(max_member_bytes)
        except ParseError as exc:
            if "decompresses to more" not in str(exc):
                yield Member(
                    "<package>", error=f"truncated or corrupt package after {count} members: {exc}"
                )
                return
            yield Member(
                member.name, error=f"{member.name}: over the limit of {max_member_bytes} bytes"
            )
            continue
        yield _member(member.name, data)


def _member(name: str, data: bytes) -> Member:
    try:
        return Member(name, items=list(ted.parse(data, url=None)))
    except ParseError as exc:
        return Member(name, error=f"{name}: {exc}")
