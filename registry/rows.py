"""Rows of one shape written by one prepared statement, for the build's large tables."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

# Rows held before they are written to a temporary table.
BATCH = 5000


def insert_rows(
    conn: sqlite3.Connection, table: str, rows: list[dict], *, ignore: bool = False
) -> None:
    """Write ``rows`` (the same keys, values SQLite stores as they are) into ``table``, committed.

    The notices' tables take a million rows in a large build: sqlite-utils' ``insert_all``
    works out the columns and converts every value of each chunk, half the parent's work.
    """
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f"[{column}]" for column in columns)
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    with conn:
        conn.executemany(
            f"{verb} INTO [{table}] ({names}) VALUES ({', '.join('?' * len(columns))})",
            values(rows, columns),
        )


def values(rows: list[dict], columns: list[str]) -> Iterator[tuple]:
    """Each row's values in ``columns``' order, picked in C: a comprehension per row cost a
    fifth of the parent's share of a build's load."""
    if len(columns) == 1:
        return ((row[columns[0]],) for row in rows)
    return map(itemgetter(*columns), rows)


class DeferredUpdate:
    """Values for ``columns`` of ``table``'s rows, keyed by ``key`` (each key added once),
    gathered in a temporary table and written by one statement at the end: memory stays flat in
    the number of rows, and a table being read is not changed under its reader."""

    def __init__(self, conn: sqlite3.Connection, table: str, key: str, columns: list[str]):
        self.conn, self.table, self.key, self.columns = conn, table, key, columns
        self.temp = f"_update_{table}"
        self.pending: list[tuple] = []

    def __enter__(self) -> DeferredUpdate:
        names = ", ".join(f"[{column}]" for column in self.columns)
        # No key index: the update scans this table and finds each row by the target's own.
        self.conn.execute(f"CREATE TEMP TABLE [{self.temp}] (_key, {names})")
        return self

    def add(self, key: Any, *values: Any) -> None:
        self.pending.append((key, *values))
        if len(self.pending) >= BATCH:
            self._flush()

    def __exit__(self, failed: type[BaseException] | None, *exc: object) -> None:
        drop = f"DROP TABLE [{self.temp}]"
        if failed is not None:
            # The error that stopped the update is the one to report (a full disk), not what
            # a database it left broken says next.
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute(drop)
            return
        self._flush()
        assignments = ", ".join(f"[{c}] = u.[{c}]" for c in self.columns)
        self.conn.execute(
            f"UPDATE [{self.table}] SET {assignments} FROM [{self.temp}] u "
            f"WHERE u._key = [{self.table}].[{self.key}]"
        )
        self.conn.execute(drop)

    def _flush(self) -> None:
        marks = ", ".join("?" * (len(self.columns) + 1))
        self.conn.executemany(f"INSERT INTO [{self.temp}] VALUES ({marks})", self.pending)
        self.pending = []
