"""The document archive: every fetched body stored once, by its SHA-256, gzip-compressed."""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.http import Response

from registry import paths


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
        return digest

    def get(self, sha256: str) -> bytes:
        with gzip.open(self.path_for(sha256), "rb") as fh:
            return fh.read()


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
