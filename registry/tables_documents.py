"""The ``documents`` and ``notice_versions`` tables: archived texts and earlier versions, redacted.

``documents``: for each evidence row of a source whose documents are public-sector documents
that may be reused (``reusable_documents`` in sources.yaml), the redacted text of the archived
document it was read from, with the SHA-256 of the original; a dead link is no dead end.
``notice_versions``: each earlier version of a published notice (the crawl store's
``record_history``), normalised and redacted as the notice is, with what changed after it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from crawlers.archive import DocumentArchive
from crawlers.store import CrawlStore, load_record
from registry.display import money
from registry.document_text import document_text
from registry.normalise.record import normalise_record
from registry.sources import load_sources

logger = logging.getLogger(__name__)
BATCH = 500
# Fields of a notice compared between versions, with how a change is written.
COMPARED = {
    "title": "title",
    "notice_type": "notice type",
    "published": "publication date",
    "buyer_name": "buyer",
    "value": "value",
    "suppliers": "suppliers",
    "cpv": "CPV codes",
    "description": "description",
}
# Long fields: a change is named, not quoted.
NAMED_ONLY = frozenset({"description"})


def publish(db: sqlite_utils.Database, store: CrawlStore) -> None:
    """Write ``documents`` and ``notice_versions`` from the archive beside the crawl store."""
    create(db)
    archive = DocumentArchive(store.path.parent / "archive")
    db.table("documents").insert_all(_documents(db, store, archive), batch_size=BATCH)
    db.table("notice_versions").insert_all(_versions(db, store), batch_size=BATCH)
    db.table("documents").create_index(["evidence_id"], if_not_exists=True)
    db.table("documents").create_index(["deployment_id"], if_not_exists=True)
    db.table("documents").create_index(["document_sha256"], if_not_exists=True)
    db.table("notice_versions").create_index(["notice_id", "version"], if_not_exists=True)
    db.table("notice_versions").create_index(["deployment_id"], if_not_exists=True)


def create(db: sqlite_utils.Database) -> None:
    db.table("documents").create(
        {
            "id": str,
            "evidence_id": str,
            "deployment_id": str,
            "kind": str,
            "source": str,
            "title": str,
            "url": str,
            "date": str,
            "document_sha256": str,
            "format": str,
            "part": str,
            "text": str,
            "characters": int,
            "truncated": int,
            "emails_removed": int,
            "phones_removed": int,
            "names_removed": int,
            "licence": str,
        },
        pk="id",
        foreign_keys=[
            ("evidence_id", "evidence", "id"),
            ("deployment_id", "deployments", "id"),
            ("source", "sources", "id"),
        ],
    )
    db.table("notice_versions").create(
        {
            "id": str,
            "notice_id": str,
            "deployment_id": str,
            "version": int,
            "valid_from": str,
            "valid_to": str,
            "title": str,
            "notice_type": str,
            "published": str,
            "buyer_name": str,
            "value_amount": float,
            "value_currency": str,
            "suppliers": str,
            "cpv": str,
            "description": str,
            "document_sha256": str,
            "changed": str,
            "changes": str,
            "licence": str,
        },
        pk="id",
        foreign_keys=[
            ("notice_id", "notices", "id"),
            ("deployment_id", "deployments", "id"),
        ],
    )


def reusable_sources() -> list[str]:
    """Sources whose documents are public-sector documents that their licence lets us reuse."""
    return sorted(s for s, entry in load_sources().items() if entry.get("reusable_documents"))


def _documents(
    db: sqlite_utils.Database, store: CrawlStore, archive: DocumentArchive
) -> Iterator[dict]:
    # The archive's directories, one per first two hex digits: a document in none of them is
    # not archived, and costs no look-up (most of a large build's notices have no document).
    shelves = {entry.name for entry in os.scandir(archive.root)} if archive.root.is_dir() else set()
    if not shelves:
        return
    sources = reusable_sources()
    # Read as written, not fetched whole: memory stays flat in the number of records.
    rows = db.execute(
        "SELECT id, deployment_id, kind, record_id, source, title, url, date, document_sha256, "
        f"licence FROM evidence WHERE document_sha256 IS NOT NULL AND source IN "
        f"({', '.join('?' * len(sources))}) ORDER BY id",
        sources,
    )
    for evidence_id, deployment, kind, record_id, source, title, url, date, sha, licence in rows:
        # The archive first: a document not archived needs no read of its stored record.
        if sha[:2] not in shelves or archive.find(sha) is None:
            continue
        if (stored := _stored(store, source, record_id)) is None:
            continue
        try:
            text = document_text(archive.get(sha), stored)
        except OSError as exc:
            logger.warning("archived document %s unreadable: %s", sha, exc)
            continue
        if text is None:
            continue
        removed = text.redactions()
        yield {
            "id": record_id,
            "evidence_id": evidence_id,
            "deployment_id": deployment,
            "kind": kind,
            "source": source,
            "title": title,
            "url": url,
            "date": date,
            "document_sha256": sha,
            "format": text.format,
            "part": text.part,
            "text": text.text,
            "characters": len(text.text),
            "truncated": int(text.truncated),
            "emails_removed": removed["emails"],
            "phones_removed": removed["phones"],
            "names_removed": removed["names"],
            "licence": licence,
        }


def _stored(store: CrawlStore, source: str, record_id: str) -> dict | None:
    source_id = record_id.removeprefix(f"{source}/")
    row = store.conn.execute(
        "SELECT record FROM records WHERE source = ? AND source_id = ?", (source, source_id)
    ).fetchone()
    return json.loads(row[0]) if row else None


def _versions(db: sqlite_utils.Database, store: CrawlStore) -> Iterator[dict]:
    """Every earlier version of a published notice, oldest first, with what the next changed."""
    history = store.conn.execute(
        "SELECT source, source_id, version, valid_from, valid_to, document_sha256, record "
        "FROM record_history WHERE record LIKE '{%' ORDER BY source, source_id, version"
    )
    versions: list[tuple] = []
    key: tuple[str, str] | None = None
    for row in history:
        if (row[0], row[1]) != key:
            yield from _notice_versions(db, store, key, versions)
            key, versions = (row[0], row[1]), []
        versions.append(row)
    yield from _notice_versions(db, store, key, versions)


def _notice_versions(
    db: sqlite_utils.Database,
    store: CrawlStore,
    key: tuple[str, str] | None,
    versions: list[tuple],
) -> Iterator[dict]:
    if key is None:
        return
    notice_id = f"{key[0]}/{key[1]}"
    # Looked up per notice with a history, not held for every notice: memory stays flat.
    published = db.execute(
        "SELECT deployment_id, licence FROM notices WHERE id = ?", [notice_id]
    ).fetchone()
    if published is None:
        return
    deployment, licence = published
    current = store.conn.execute(
        "SELECT record FROM records WHERE source = ? AND source_id = ?", key
    ).fetchone()
    fields = [_fields(row[6]) for row in versions] + [_fields(current[0]) if current else None]
    for index, (_, _, version, valid_from, valid_to, sha, _) in enumerate(versions):
        this, after = fields[index], fields[index + 1]
        if this is None:
            continue
        changed = [name for name in COMPARED if after is not None and this[name] != after[name]]
        yield {
            "id": f"{notice_id}@{version}",
            "notice_id": notice_id,
            "deployment_id": deployment,
            "version": version,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "title": this["title"],
            "notice_type": this["notice_type"],
            "published": this["published"],
            "buyer_name": this["buyer_name"],
            "value_amount": this["value_amount"],
            "value_currency": this["value_currency"],
            "suppliers": this["suppliers"],
            "cpv": this["cpv"],
            "description": this["description"],
            "document_sha256": sha,
            "changed": " ".join(changed) or None,
            "changes": "; ".join(_change(name, this, after) for name in changed if after) or None,
            "licence": licence,
        }


def _fields(record_json: str) -> dict[str, Any] | None:
    """The published fields of one stored version, normalised and redacted as the build does."""
    try:
        record = normalise_record(load_record(record_json))
    except Exception as exc:  # an old version the normaliser cannot read costs that version only
        logger.warning("earlier version not read: %s", exc)
        return None
    value = record.get("value") or {}
    buyer = record.get("buyer") or {}
    return {
        "title": record.get("title") or "",
        "notice_type": record.get("notice_type"),
        "published": record.get("published"),
        "buyer_name": buyer.get("name"),
        "value_amount": value.get("amount"),
        "value_currency": value.get("currency"),
        "value": money(value.get("amount"), value.get("currency")),
        "suppliers": "; ".join(s["name"] for s in record.get("suppliers") or [] if s.get("name")),
        "cpv": " ".join(record.get("cpv") or []),
        "description": record.get("description"),
    }


def _change(name: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    label = COMPARED[name]
    if name in NAMED_ONLY:
        return f"{label} changed"
    return f"{label}: {before[name] or 'none'} → {after[name] or 'none'}"
