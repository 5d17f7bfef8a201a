"""A full-text index tokenised in a file of its own and copied in is the index built in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from registry import fulltext, search
from registry.fulltext import SHADOWS

COLUMNS = ["title", "description"]
ROWS = [
    {"id": "a", "title": "CCTV cameras for the town centre", "description": "Licence renewal"},
    {"id": "b", "title": "Supply of body-worn video", "description": None},
    {"id": "c", "title": "Dostawa kamer monitoringu wizyjnego", "description": "Kraków"},
    {"id": "d", "title": "ANPR plates", "description": "Centre of town, 24 cameras"},
]


def _registry(path: Path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    db.table("notices").insert_all(ROWS, pk="id")
    # A gap in the rowids: the index must keep each row's own.
    db.execute("DELETE FROM notices WHERE id = 'b'")
    db.conn.commit()
    return db


def _index(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {
            shadow: conn.execute(f"SELECT * FROM notices_fts_{shadow} ORDER BY 1").fetchall()
            for shadow in SHADOWS
        }
    finally:
        conn.close()


def test_an_index_built_apart_is_the_index_built_in_place(tmp_path: Path) -> None:
    in_place = _registry(tmp_path / "in-place.db")
    in_place.table("notices").enable_fts(COLUMNS, tokenize=search.TOKENIZE)
    in_place.close()
    apart = _registry(tmp_path / "apart.db")
    scratch = tmp_path / "apart.db-fulltext"
    fulltext.copy_columns(apart, "notices", COLUMNS, scratch)
    fulltext.tokenise(str(scratch), "notices", COLUMNS)
    fulltext.install(tmp_path / "apart.db", scratch, "notices")

    assert _index(tmp_path / "apart.db") == _index(tmp_path / "in-place.db")
    # The connection that was open during the copy searches the copied index.
    found = apart.execute(
        "SELECT n.id FROM notices_fts JOIN notices n ON n.rowid = notices_fts.rowid "
        "WHERE notices_fts MATCH ? ORDER BY n.id",
        [search.match_expression("camera centre")],
    ).fetchall()
    assert found == [("a",), ("d",)]
    schema = "SELECT sql FROM sqlite_master WHERE name = 'notices_fts'"
    assert apart.execute(schema).fetchone() == (
        sqlite_utils.Database(tmp_path / "in-place.db").execute(schema).fetchone()
    )
    integrity = "INSERT INTO notices_fts (notices_fts) VALUES ('integrity-check')"
    apart.execute(integrity)
