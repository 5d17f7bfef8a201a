"""The document archive: every fetched body stored once, by its SHA-256, gzip-compressed.

A file's mtime is when its document was last fetched; ``prune`` drops documents neither fetched
within the retention period nor cited by a current record or a history row.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers import paths


class DocumentArchive:
    """Content-addressed, write-once storage of raw documents."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.gz"

    def put(self, body: bytes) -> str:
        """Store a document (once) and return its SHA-256."""
        digest = hashlib.sha256(body).hexdigest()
        target = self.path_for(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.write(body)
            os.replace(tmp, target)
        else:
            os.utime(target)
        return digest

    def get(self, sha256: str) -> bytes:
        with gzip.open(self.path_for(sha256), "rb") as fh:
            return fh.read()

    def prune(self, keep_days: float, cited: Iterable[str], now: float | None = None) -> list[str]:
        """Delete documents unfetched for ``keep_days`` and not ``cited``; returns their hashes."""
        keep = set(cited)
        cutoff = (now if now is not None else time.time()) - keep_days * 86400
        removed = []
        for path in self.root.glob("*/*.gz"):
            digest = path.name.removesuffix(".gz")
            if digest not in keep and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(digest)
        return sorted(removed)


class DocumentArchiveMiddleware:
    """Archives each response body before the spider parses it; records its hash in meta."""

    def __init__(self, archive: DocumentArchive):
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DocumentArchiveMiddleware:
        root = crawler.settings.get("SURVREG_ARCHIVE_DIR") or paths.archive_dir()
        return cls(DocumentArchive(root))

    def process_spider_input(self, response: Response) -> None:
        if response.body and not response.url.endswith("/robots.txt"):
            response.meta["document_sha256"] = self.archive.put(response.body)
