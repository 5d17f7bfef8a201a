"""Filling a real crawl store from recorded documents, for build and serving tests."""

from __future__ import annotations

from pathlib import Path

from crawlers.archive import DocumentArchive
from crawlers.parsers import parse_document
from crawlers.store import CrawlStore


def store_documents(
    crawl_db: Path, *documents: Path, extra: list[dict] | None = None, archive: bool = False
) -> int:
    """Parse documents into the crawl store as a crawl would; returns the number of items.

    With ``archive`` the documents are also archived beside the store, as a crawl archives them.
    """
    store = CrawlStore(crawl_db)
    archived = DocumentArchive(crawl_db.parent / "archive") if archive else None
    count = 0
    with store.transaction():
        for path in documents:
            body = path.read_bytes()
            sha = archived.put(body) if archived else "0" * 64
            for item in parse_document(body):
                item["document_url"] = f"https://example.org/recorded/{path.name}"
                item["document_sha256"] = sha
                store.upsert(item)
                count += 1
        for item in extra or []:
            store.upsert(item)
            count += 1
    store.close()
    return count


def notice(source_id: str, **fields) -> dict:
    """A minimal notice item."""
    item = {
        "kind": "notice",
        "source": "contracts-finder",
        "source_id": source_id,
        "procedure_id": None,
        "url": None,
        "notice_type": "tender",
        "title": "CCTV cameras",
        "description": None,
        "language": "en",
        "published": "2024-03-01",
        "buyer": {"name": "Example Council", "country": "GB", "city": None},
        "cpv": ["32323500"],
        "suppliers": [],
        "value": None,
        "technologies": [],
        "vendors": [],
    }
    item.update(fields)
    return item
