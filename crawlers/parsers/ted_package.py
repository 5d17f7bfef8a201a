"""TED daily packages (tar.gz of one OJ S issue), streamed member by member, never to disk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from ahocorasick_rs import BytesAhoCorasick

from crawlers.parsers import compressed, ted
from crawlers.parsers.errors import ParseError

# A notice above this is not a notice (the largest real ones are a few MB with all translations).
MAX_MEMBER_BYTES = 32 * 1024 * 1024


@dataclass
class Member:
    """What one package member gave: items, or the error that stopped it, or a skip."""

    name: str
    items: list[dict] = field(default_factory=list)
    error: str | None = None
    relevant: bool = True


class Relevance:
    """A cheap pre-check on raw bytes: a wanted CPV code or keyword appears somewhere.

    False positives are fine (the full parse and the build decide); it must not miss, so
    CPV anchors match their whole subtree (35120000 matches 3512xxxx).
    """

    def __init__(self, cpv_codes: Iterable[str], keywords: Iterable[str]):
        prefixes = sorted({_cpv_prefix(code) for code in cpv_codes if code})
        # Codes stand as element text (eForms '>35120000<') or an attribute (legacy CODE="...").
        patterns = [f"{lead}{p}".encode() for p in prefixes for lead in (">", '"')]
        # bytes.lower() folds ASCII only, so keywords are matched in their lower-case UTF-8 form.
        patterns += [k.lower().encode("utf-8") for k in keywords if k]
        # One Aho-Corasick pass over the notice instead of one substring scan per pattern: about
        # twelve times faster on notices that match nothing, which are most of a package.
        self._automaton = BytesAhoCorasick(patterns) if patterns else None

    def __call__(self, data: bytes) -> bool:
        if self._automaton is None:
            return False
        return bool(self._automaton.find_matches_as_indexes(data.lower(), overlapping=False))


def _cpv_prefix(code: str) -> str:
    digits = code.split("-")[0].strip()
    return digits.rstrip("0")[:8] or digits[:2]


def iter_package(
    fileobj: IO[bytes],
    relevant: Relevance | None = None,
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
        yield _member(member.name, data, relevant)


def _member(name: str, data: bytes, relevant: Relevance | None) -> Member:
    if relevant is not None and not relevant(data):
        return Member(name, relevant=False)
    try:
        return Member(name, items=list(ted.parse(data, url=None)))
    except ParseError as exc:
        return Member(name, error=f"{name}: {exc}")
