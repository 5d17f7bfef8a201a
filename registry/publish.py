"""Publishing: compare builds by content and swap the staged registry in; servers follow it."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

# Crawl times alone (and the age in a "stale" message) are no change worth publishing; they go out
# with the next real one. A source's health state is content.
VOLATILE_COLUMNS = {"sources": {"last_run", "last_successful_crawl", "problems"}}


def content_digest(path: Path) -> str:
    """A SHA-256 over every table's schema and rows, independent of file layout and page order."""
    digest = hashlib.sha256()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
        virtual = [name for name, sql in tables if sql.upper().startswith("CREATE VIRTUAL")]
        for name, sql in tables:
            # FTS indexes are derived from their content tables, which are hashed already.
            if name in virtual or any(name.startswith(f"{v}_") for v in virtual):
                continue
            skip = VOLATILE_COLUMNS.get(name, set())
            columns = [
                row[1] for row in conn.execute(f'PRAGMA table_info("{name}")') if row[1] not in skip
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            digest.update(f"{sql}\0{listed}\0".encode())
            order = ", ".join(str(i + 1) for i in range(len(columns)))
            for row in conn.execute(f'SELECT {listed} FROM "{name}" ORDER BY {order}'):
                digest.update(repr(row).encode("utf-8"))
    finally:
        conn.close()
    return digest.hexdigest()


def publish(staged: Path, live: Path) -> None:
    """Swap ``staged`` in as ``live``; each server worker moves to it at its next request.

    Workers keep serving requests already running from their pin of the old inode.
    """
    os.replace(staged, live)
    sweep_pins(live)


def pins_dir(live: Path) -> Path:
    return live.parent / ".serving"


def pin(live: Path) -> Path:
    """A hard link to the live registry's current inode, private to this process.

    A worker serves its pin, so every connection it opens (Datasette opens them lazily, per
    thread) sees the same file even after a newer registry is swapped in. The worker removes a
    pin once no request can still be running on it (registry/asgi.py); removing it earlier let
    a late connection create an empty file in its place.
    """
    directory = pins_dir(live)
    directory.mkdir(exist_ok=True)
    sweep_pins(live)
    inode = os.stat(live).st_ino
    pinned = directory / f"{live.stem}-{os.getpid()}-{inode}{live.suffix}"
    if not pinned.exists():
        os.link(live, pinned)
    return pinned


def sweep_pins(live: Path) -> None:
    """Remove the pins of workers that are gone (a killed worker cannot remove its own)."""
    for pinned in pins_dir(live).glob(f"{live.stem}-*{live.suffix}"):
        pid = pinned.stem.removeprefix(f"{live.stem}-").split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            pinned.unlink(missing_ok=True)
        except (PermissionError, ValueError):
            continue
