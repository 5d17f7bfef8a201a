"""Public-records answers: PDFs a city released outside Legistar, described by a small YAML index.

``-a index=URL`` (or a local path) names the index: what the documents are and where they came
from, e.g.::

    city: Eugene
    region: OR
    country: US
    agency: City of Eugene
    request: EPD-2025-3771            # the public-records request that released them
    request_url: https://www.muckrock.com/foi/...
    date: 2025-09-30                  # when they were released
    documents:
      - url: https://.../contract.pdf # or file: contract.pdf, beside a local index
        title: Software Services Contract No. 2025-03244 with Flock Group Inc
        type: contract                # contract, purchase order, rfi, rfp, policy, decision
        date: 2025-03-24
        outcome: approved             # a decision's outcome, when the document is one

Each document is read by the PDF reader; the index's words take the place of what it reads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin

from scrapy.http import Response

from crawlers import paths
from crawlers.archive import DocumentArchive
from crawlers.parsers import pdf
from crawlers.parsers.errors import ParseError
from crawlers.spiders.base import SourceSpider

DOCUMENT_TYPES = {
    "contract": "award",
    "purchase order": "award",
    "award": "award",
    "amendment": "modification",
    "rfi": "prior-information",
    "request for information": "prior-information",
    "rfp": "tender",
    "request for proposals": "tender",
    "solicitation": "tender",
}
INDEX_KEYS = ("documents",)


class RecordsSpider(SourceSpider):
    """PDFs of a public-records answer (or any city's document list) named by a YAML index."""

    name = "records"

    def __init__(self, *args: Any, index: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not index:
            raise ValueError("records: pass -a index=URL (or a path) of the YAML index")
        self.index = index

    async def start(self):
        if re.match(r"https?://", self.index):
            yield self.request(self.index, callback=self.parse_index)
            return
        path = Path(self.index)
        for item in self.local_documents(path, self.read_index(path.read_bytes(), str(path))):
            yield item

    def read_index(self, data: bytes, where: str) -> dict[str, Any]:
        # Imported here: every crawl loads this module, few read a records index.
        import yaml

        try:
            index = yaml.safe_load(data)
        except yaml.YAMLError as exc:
            raise ParseError(f"records index {where} is not YAML: {exc}") from exc
        if not isinstance(index, dict) or not isinstance(index.get("documents"), list):
            raise ParseError(f"records index {where} has no list of documents")
        return index

    def parse_index(self, response: Response) -> Iterator[Any]:
        url = self.real_url(response)
        try:
            index = self.read_index(response.body, url)
        except ParseError as exc:
            self.document_failed(url, str(exc))
            return
        for entry in index["documents"]:
            if not isinstance(entry, dict) or not entry.get("url"):
                self.document_failed(url, f"document without a url: {entry!r}"[:200])
                continue
            yield self.request(
                urljoin(url, str(entry["url"])),
                callback=self.parse_document,
                cb_kwargs={"index": index, "entry": entry},
            )

    def parse_document(self, response: Response, index: dict, entry: dict) -> Iterator[dict]:
        url = self.real_url(response)
        yield from self.records_from(response, self.items(response.body, url, index, entry))

    def local_documents(self, path: Path, index: dict[str, Any]) -> Iterator[dict]:
        """Documents beside a local index, archived like fetched ones."""
        archive = DocumentArchive(paths.archive_dir())
        for entry in index["documents"]:
            if not isinstance(entry, dict) or not entry.get("file"):
                self.document_failed(str(path), f"document without a file: {entry!r}"[:200])
                continue
            file = path.parent / str(entry["file"])
            url = entry.get("url")
            try:
                body = file.read_bytes()
                items = list(self.items(body, url, index, entry))
            except (OSError, ParseError) as exc:
                self.document_failed(url or str(file), str(exc))
                continue
            sha256 = archive.put(body)
            for item in items:
                if self.sample_reached:
                    return
                item["document_url"], item["document_sha256"] = url, sha256
                self.records_yielded += 1
                yield item

    def items(self, body: bytes, url: str | None, index: dict, entry: dict) -> Iterator[dict]:
        kind = str(entry.get("type") or "").casefold()
        request = index.get("request")
        name = unquote(str(entry.get("file") or entry.get("url") or "").rsplit("/", 1)[-1])
        hints: dict[str, Any] = {
            "buyer": {
                "name": entry.get("agency") or index.get("agency"),
                "country": index.get("country"),
                "city": index.get("city"),
                "region": index.get("region"),
            },
            "procedure_id": entry.get("procedure") or request,
            "request": {
                "id": request,
                "url": index.get("request_url"),
                "released": _text(index.get("date")),
            },  # fmt: skip
            "document_type": kind or None,
            "agency": index.get("agency"),
            # US documents write 03-25-2025 for 25 March.
            "date_order": index.get("date_order")
            or ("MDY" if index.get("country") == "US" else None),
        }
        for key in ("title", "language"):
            if entry.get(key):
                hints[key] = str(entry[key])
        if entry.get("date"):
            hints["published"] = _text(entry["date"])
        if kind in DOCUMENT_TYPES:
            hints["notice_type"] = DOCUMENT_TYPES[kind]
        elif kind:
            hints["notice_type"] = "other"
        if entry.get("outcome"):
            hints["decision"] = {"outcome": str(entry["outcome"]), "date": hints.get("published")}
        digest = hashlib.sha256(body).hexdigest()[:16]
        source_id = f"{request or 'records'}/{name or digest}"
        yield from pdf.parse(body, url=url, source=self.name, source_id=source_id, hints=hints)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
