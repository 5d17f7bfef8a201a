"""Compressed inputs (gzip, zip, tar, tar.gz) opened member by member, never all at once.

The TED daily package is a tar.gz of notices; OCDS bulk downloads (the OCDS Data Registry) are
``.jsonl.gz`` or ``.zip``. Each member is a bounded stream: reading past the limits raises
ParseError, so a decompression bomb costs at most the crawler's own limits.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, cast

from crawlers.parsers.errors import ParseError

# The crawler's limits: a body may decompress to DOWNLOAD_MAXSIZE (crawlers/settings.py) when it
# is read whole, a bulk package to the ted spider's PACKAGE_MAXSIZE when it is streamed.
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
MAX_MEMBERS = 100_000
# A gzip of a tar, or a zip of gzips, is opened again; deeper nesting is not an input format.
MAX_NESTING = 2
HEAD_BYTES = 65536
MAGIC_BYTES = 512

# What members read from: a file, a BytesIO, a decompressor, or one of our bounded readers.
Readable = IO[bytes] | io.RawIOBase | io.BufferedIOBase

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def container_of(head: bytes) -> str | None:
    """``gzip``, ``zip`` or ``tar`` from a document's first bytes, or None for anything else."""
    if head[:2] == GZIP_MAGIC:
        return "gzip"
    if head[:4] in ZIP_MAGIC:
        return "zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


@dataclass
class Member:
    """One file of an archive: its name and a bounded stream of its content."""

    name: str
    stream: Readable
    _head: bytes | None = None

    def read(self, limit: int | None = None) -> bytes:
        """The whole member, refused with ParseError beyond ``limit`` (MAX_MEMBER_BYTES) bytes."""
        limit = MAX_MEMBER_BYTES if limit is None else limit
        data = self.stream.read(limit + 1)
        if len(data) > limit:
            raise ParseError(f"{self.name}: decompresses to more than {limit} bytes")
        return data

    def head(self) -> bytes:
        """The first bytes, for sniffing, without consuming them."""
        if self._head is None:
            stream = _buffered(self.stream, HEAD_BYTES)
            self.stream, self._head = stream, stream.peek(HEAD_BYTES)[:HEAD_BYTES]
        return self._head


class BoundedReader(io.RawIOBase):
    """A read-only stream that raises ParseError once more than ``limit`` bytes came out of it,
    and turns the decompressors' errors into ParseError naming the member."""

    def __init__(self, raw: Readable, name: str, limit: int | None = None):
        self._raw, self._name = raw, name
        self._left = MAX_ARCHIVE_BYTES if limit is None else limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(min(len(buffer), self._left + 1))
        except (OSError, EOFError, zlib.error, tarfile.TarError, zipfile.BadZipFile) as exc:
            raise ParseError(f"{self._name}: truncated or corrupt ({exc})") from exc
        if len(data) > self._left:
            raise ParseError(f"{self._name}: decompresses to more than the limit")
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


def members(stream: Readable, name: str | None = None, depth: int = 0) -> Iterator[Member]:
    """The files inside a compressed document, in order; a document that is not compressed is
    its own single member. A gzip or zip inside an archive is opened too (tar.gz, zip of .gz).
    Members are named ``name#path`` (``path`` alone without a name)."""
    # A small buffer: telling the kinds apart needs 262 bytes, and reading further ahead would
    # meet a truncation before the members that precede it were read.
    buffered = _buffered(stream, MAGIC_BYTES)
    kind = container_of(buffered.peek(MAGIC_BYTES)[:MAGIC_BYTES])
    if kind is None or depth > MAX_NESTING:
        yield Member(name or "document", buffered)
        return
    if kind == "gzip":
        inner = _gunzip_name(name)
        raw = gzip.GzipFile(fileobj=buffered, mode="rb")
        bounded = BoundedReader(raw, inner or "gzip")
        yield from members(bounded, inner, depth + 1)
    elif kind == "zip":
        yield from _zip_members(buffered, name, depth)
    else:
        yield from _tar_members(buffered, name, depth)


def _zip_members(stream: io.BufferedReader, name: str | None, depth: int) -> Iterator[Member]:
    # A zip's directory is at its end: the archive is read whole, within the member limit.
    data = stream.read(MAX_ARCHIVE_BYTES + 1)
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ParseError(f"{name or 'document'}: zip larger than {MAX_ARCHIVE_BYTES} bytes")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ParseError(f"{name or 'document'}: not a readable zip ({exc})") from exc
    if len(infos) > MAX_MEMBERS:
        raise ParseError(f"{name or 'document'}: more than {MAX_MEMBERS} members")
    for info in infos:
        label = _label(name, info.filename)
        try:
            raw = archive.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise ParseError(f"{label}: cannot be opened ({exc})") from exc
        yield from members(BoundedReader(raw, label), label, depth + 1)


def _tar_members(stream: io.BufferedReader, name: str | None, depth: int) -> Iterator[Member]:
    count = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for info in archive:
                if not info.isfile():
                    continue
                count += 1
                if count > MAX_MEMBERS:
                    raise ParseError(f"{name or 'tar'}: more than {MAX_MEMBERS} members")
                handle = archive.extractfile(info)
                if handle is None:
                    continue
                label = _label(name, info.name)
                bounded = BoundedReader(handle, label, min(info.size, MAX_ARCHIVE_BYTES))
                yield from members(bounded, label, depth + 1)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ParseError(
            f"{name or 'tar'}: truncated or corrupt after {count} members ({exc})"
        ) from exc


def _buffered(stream: Readable, size: int) -> io.BufferedReader:
    return io.BufferedReader(cast(io.RawIOBase, stream), buffer_size=size)


def _label(name: str | None, path: str) -> str:
    return f"{name}#{path}" if name else path


def _gunzip_name(name: str | None) -> str | None:
    if name is None:
        return None
    for suffix in (".tgz", ".gz", ".gzip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
    return name
