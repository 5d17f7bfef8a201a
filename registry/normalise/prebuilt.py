"""Reference indexes built once into SQLite files (places, exchange rates), and when to rebuild."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def is_current(path: Path, key: str, expected: str) -> bool:
    """Whether the file at ``path`` was built from ``expected`` (its ``meta`` row ``key``)."""
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return bool(row) and row[0] == expected
