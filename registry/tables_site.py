"""Tables the public site's profile and document pages read, written after linking."""

from __future__ import annotations

import sqlite_utils

from crawlers.store import CrawlStore
from registry import tables_buyers, tables_documents


def publish(db: sqlite_utils.Database, store: CrawlStore) -> None:
    """Buyers, archived document texts and earlier notice versions."""
    tables_buyers.publish(db)
    tables_documents.publish(db, store)
