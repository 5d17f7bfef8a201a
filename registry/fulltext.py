"""A full-text index tokenised in a file of its own, by a build worker, then copied in.

Tokenising the notices is most of their index's cost and needs nothing linking writes: a
worker builds it from a copy of the searchable columns while the parent links, and the parent
copies the finished index's tables in. The index is the one sqlite-utils' ``enable_fts`` makes
in place: the same statement over the same rows in the same order, row for row.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from registry import search

# The tables behind an FTS5 index (its "shadow" tables): all of its state.
SHADOWS = ("config", "data", "idx", "docsize")


def copy_columns(db: sqlite_utils.Database, table: str, columns: list[str], scratch: Path) -> None:
    """A file holding ``table``'s ``columns`` under their rowids, for ``tokenise``."""
    scratch.unlink(missing_ok=True)
    names = ", ".join(f"[{column}]" for column in columns)
    db.conn.commit()
    db.execute("ATTACH DATABASE ? AS fulltext", [str(scratch)])
    try:
        db.execute(f"CREATE TABLE fulltext.[{table}] ({names})")
        db.execute(
            f"INSERT INTO fulltext.[{table}] (rowid, {names}) "
            f"SELECT rowid, {names} FROM main.[{table}] ORDER BY rowid"
        )
        db.conn.commit()
    finally:
        db.execute("DETACH DATABASE fulltext")


def tokenise(scratch: str, table: str, columns: list[str]) -> None:
    """Index the copied columns in their file (run in a worker)."""
    db = sqlite_utils.Database(scratch)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.table(table).enable_fts(columns, create_triggers=False, tokenize=search.TOKENIZE)
        db.conn.commit()
    finally:
        db.close()


def install(registry: Path, scratch: Path, table: str) -> None:
    """Create ``table``'s index in ``registry`` and fill it with the one built in ``scratch``.

    Done by a connection of its own, with the build's committed: FTS5 re-reads what another
    connection wrote, so no connection holds the index as it was before the copy.
    """
    fts = f"{table}_fts"
    conn = sqlite3.connect(registry, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("ATTACH DATABASE ? AS fulltext", [str(scratch)])
        (create,) = conn.execute(
            "SELECT sql FROM fulltext.sqlite_master WHERE name = ?", [fts]
        ).fetchone()
        conn.execute("BEGIN")
        conn.execute(create)
        for shadow in SHADOWS:
            name = f"[{fts}_{shadow}]"
            conn.execute(f"DELETE FROM main.{name}")
            conn.execute(f"INSERT INTO main.{name} SELECT * FROM fulltext.{name}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE fulltext")
    finally:
        conn.close()
