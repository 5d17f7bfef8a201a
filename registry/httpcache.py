"""Pruning Scrapy's HTTP cache: entries not stored again for a number of days are removed.

Incremental crawls ask for new URLs every day (their date bounds are in the query), so without
pruning the cache keeps every answer ever received. An entry is rewritten whenever its URL is
fetched in full, so its age is the age of the answer it holds.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

HTTPCACHE_KEEP_DAYS = 30.0


def prune_httpcache(directory: Path, keep_days: float, now: float | None = None) -> int:
    """Remove cache entries older than ``keep_days``; returns how many were removed."""
    if not directory.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - keep_days * 86400
    removed = 0
    # FilesystemCacheStorage: <dir>/<spider>/<fingerprint[:2]>/<fingerprint>/ with its files.
    for entry in directory.glob("*/*/*"):
        meta = entry / "pickled_meta"
        if entry.is_dir() and (not meta.exists() or meta.stat().st_mtime < cutoff):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
