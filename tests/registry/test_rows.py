"""The build's row writers: rows of one shape in one statement, updates gathered then applied."""

from __future__ import annotations

import sqlite3

import pytest

from registry import rows
from registry.rows import DeferredUpdate, insert_rows


def _table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, a TEXT, b REAL)")
    insert_rows(conn, "t", [{"id": str(n), "a": None, "b": n / 2} for n in range(12)])
    return conn


def test_rows_are_written_in_their_columns_order_whatever_the_keys_order() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, a TEXT)")
    insert_rows(conn, "t", [{"a": "x", "id": "1"}, {"a": "y", "id": "2"}])
    insert_rows(conn, "t", [{"id": "2"}, {"id": "3"}], ignore=True)
    assert conn.execute("SELECT id, a FROM t ORDER BY rowid").fetchall() == [
        ("1", "x"),
        ("2", "y"),
        ("3", None),
    ]


def test_deferred_updates_are_applied_at_the_end_across_batches(monkeypatch) -> None:
    monkeypatch.setattr(rows, "BATCH", 5)
    conn = _table()
    with DeferredUpdate(conn, "t", "id", ["a", "b"]) as update:
        for n in range(0, 12, 2):
            update.add(str(n), f"even {n}", -n)
        # Not yet: the table keeps its values while it is read.
        assert conn.execute("SELECT count(*) FROM t WHERE a IS NOT NULL").fetchone() == (0,)
    assert conn.execute("SELECT id, a, b FROM t WHERE id IN ('3', '4')").fetchall() == [
        ("3", None, 1.5),
        ("4", "even 4", -4),
    ]
    assert conn.execute("SELECT count(*) FROM t WHERE a IS NOT NULL").fetchone() == (6,)


def test_a_failed_deferred_update_changes_nothing() -> None:
    conn = _table()
    with pytest.raises(ValueError), DeferredUpdate(conn, "t", "id", ["a"]) as update:
        update.add("1", "changed")
        raise ValueError
    assert conn.execute("SELECT count(*) FROM t WHERE a IS NOT NULL").fetchone() == (0,)
    with DeferredUpdate(conn, "t", "id", ["a"]) as update:
        update.add("1", "changed")
    assert conn.execute("SELECT a FROM t WHERE id = '1'").fetchone() == ("changed",)
