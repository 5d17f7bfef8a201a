"""Where the data lives: ./data unless SURVREG_DATA (or ``survreg --data DIR``) says otherwise."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data directory, created on first use."""
    path = Path(os.environ.get("SURVREG_DATA") or "data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def crawl_db() -> Path:
    return data_dir() / "crawl.db"


def registry_db() -> Path:
    return data_dir() / "registry.db"


def archive_dir() -> Path:
    return data_dir() / "archive"


def httpcache_dir() -> Path:
    """Scrapy's HTTP cache (HTTPCACHE_DIR in crawlers/settings.py)."""
    return data_dir() / "httpcache"


def use_data_dir(path: str | Path) -> Path:
    """Make ``path`` the data directory of this process and of the crawls it starts."""
    resolved = Path(path).resolve()
    os.environ["SURVREG_DATA"] = str(resolved)
    return resolved
