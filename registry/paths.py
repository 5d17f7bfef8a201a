"""Where the data lives: ./data unless SURVREG_DATA says otherwise."""

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
