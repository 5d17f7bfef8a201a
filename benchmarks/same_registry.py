"""Whether two registry files hold the same schema and the same rows, table by table, in order.

    .venv/bin/python benchmarks/same_registry.py A.db B.db

For a change to the build that must not change what it writes: build the same crawl store with
the old code and the new, then compare. Exits 1, naming each differing table and its first
differing row, when they differ.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path


def schema(conn: sqlite3.Connection) -> dict[str, str]:
    """Every table, index, view and trigger's SQL, by name."""
    return dict(
        conn.execute(
            "SELECT name, coalesce(sql, '') FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    )


def rows(conn: sqlite3.Connection, table: str, sql: str) -> Iterator[tuple]:
    """A table's rows in the order they were written (a WITHOUT ROWID table's: its key's)."""
    order = "" if "WITHOUT ROWID" in sql.upper() else " ORDER BY rowid"
    yield from conn.execute(f"SELECT * FROM [{table}]{order}")


def differences(a: Path, b: Path) -> list[str]:
    """One line per difference between the registries ``a`` and ``b``; none when the same."""
    left, right = sqlite3.connect(a), sqlite3.connect(b)
    try:
        found = []
        schema_a, schema_b = schema(left), schema(right)
        for name in sorted(schema_a.keys() | schema_b.keys()):
            if schema_a.get(name) != schema_b.get(name):
                found.append(f"{name}: schema differs")
        for name, sql in schema_a.items():
            if schema_b.get(name) != sql or not sql.upper().startswith("CREATE TABLE"):
                continue
            pairs = zip_longest(rows(left, name, sql), rows(right, name, sql))
            for number, (row_a, row_b) in enumerate(pairs):
                if row_a != row_b:
                    found.append(f"{name}: row {number} differs: {row_a!r} != {row_b!r}")
                    break
        return found
    finally:
        left.close()
        right.close()


def main() -> None:
    a, b = (Path(arg) for arg in sys.argv[1:3])
    found = differences(a, b)
    for line in found:
        print(line[:2000])
    print(f"{len(found)} tables differ" if found else "same registry: every table, row for row")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
