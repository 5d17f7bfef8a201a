"""The document archive: every fetched body stored once, by its SHA-256, zstd-compressed.

Documents are written in worker threads, never on the crawl's reactor thread: zstd at level 1
compresses a JSON page more than twenty times faster than gzip at level 9 did, and smaller.
Older archives' gzip files (``<sha256>.gz``) are still read, kept and pruned.
A file's mtime is when its document was last fetched; ``prune`` drops documents neither fetched
within the retention period nor cited by a current record or a history row.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import zstandard
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers import paths, workers

# Level 1: half the CPU of zstd's default level 3 on a Contracts Finder page, for a file 4% larger
# (benchmarks/bench_crawl_replay.py).
ZSTD_LEVEL = 1
SUFFIXES = (".zst", ".gz")


class DocumentArchive:
    """Content-addressed, write-once storage of raw documents."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        """Where a document is (or would be) written."""
        return self.root / sha256[:2] / f"{sha256}.zst"

    def find(self, sha256: str) -> Path | None:
        """The file holding a document, in either format, if it is archived."""
        for suffix in SUFFIXES:
            path = self.root / sha256[:2] / f"{sha256}{suffix}"
            if path.exists():
                return path
        return None

    def put(self, body: bytes) -> str:
        """Store a document (once) and return its SHA-256; an archived one is marked fetched."""
        digest = hashlib.sha256(body).hexdigest()
        existing = self.find(digest)
        if existing is not None:
            os.utime(existing)
            return digest
        target = self.path_for(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as raw:
                raw.write(zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(body))
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        path = self.find(sha256)
        if path is None:
            raise FileNotFoundError(f"document {sha256} is not archived in {self.root}")
        if path.suffix == ".gz":
            return gzip.decompress(path.read_bytes())
        with open(path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            return reader.read()

    def documents(self) -> Iterator[tuple[str, Path]]:
        """Every archived document: its SHA-256 and its file."""
        for suffix in SUFFIXES:
            for path in self.root.glob(f"*/*{suffix}"):
                yield path.name.removesuffix(suffix), path

    def prune(self, keep_days: float, cited: Iterable[str], now: float | None = None) -> list[str]:
        """Delete documents unfetched for ``keep_days`` and not ``cited``; returns their hashes."""
        keep = set(cited)
        cutoff = (now if now is not None else time.time()) - keep_days * 86400
        removed = []
        for digest, path in list(self.documents()):
            if digest not in keep and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(digest)
        return sorted(removed)


class DocumentArchiveMiddleware:
    """Archives each answer the spider will parse, in worker threads, and records its hash in
    the request's meta before the spider sees it: a stored record never cites a document that
    is not archived."""

    def __init__(self, archive: DocumentArchive, threads: int = 2):
        self.archive = archive
        self.pool = workers.worker_pool("document-archive", threads)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DocumentArchiveMiddleware:
        root = crawler.settings.get("SURVREG_ARCHIVE_DIR") or paths.archive_dir()
        middleware = cls(
            DocumentArchive(root), crawler.settings.getint("SURVREG_ARCHIVE_THREADS", 2)
        )
        middleware.pool.start()
        # Every download, and so every write, has ended when the engine stops.
        crawler.signals.connect(middleware.pool.stop, signal=signals.engine_stopped)
        return middleware

    async def process_response(self, request: Request, response: Response) -> Response:
        if 200 <= response.status < 300 and response.body and not _robots(request):
            digest = await workers.run_in(self.pool, self.archive.put, response.body)
            request.meta["document_sha256"] = digest
        return response


def _robots(request: Request) -> bool:
    return request.url.endswith("/robots.txt")
