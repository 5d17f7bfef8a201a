"""``survreg backup``: a consistent copy of the crawl store through SQLite's online backup API."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path


def backup(crawl_db: Path, destination: Path) -> Path:
    """Copy ``crawl_db`` to ``destination`` (a file, or a directory for a dated file) safely.

    The backup API copies a consistent snapshot while crawls keep writing; the copy is checked
    and only then renamed into place, so a failed backup never replaces a good one.
    """
    if destination.is_dir():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        destination = destination / f"{crawl_db.stem}-{stamp}{crawl_db.suffix}"
    partial = destination.with_name(f"{destination.name}.partial")
    source = sqlite3.connect(f"file:{crawl_db}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise sqlite3.DatabaseError(f"backup failed its integrity check: {result}")
    finally:
        target.close()
        source.close()
    os.replace(partial, destination)
    return destination


def prune_archive(crawl_db: Path, archive_dir: Path, keep_days: float) -> list[str]:
    """Prune the document archive, keeping every document a record or history row cites."""
    from crawlers.archive import DocumentArchive

    conn = sqlite3.connect(f"file:{crawl_db}?mode=ro", uri=True)
    try:
        cited = [
            row[0]
            for row in conn.execute(
                "SELECT document_sha256 FROM records WHERE document_sha256 IS NOT NULL UNION "
                "SELECT document_sha256 FROM record_history WHERE document_sha256 IS NOT NULL"
            )
        ]
    finally:
        conn.close()
    return DocumentArchive(archive_dir).prune(keep_days, cited)
