"""A build with worker processes writes the registry a build without them writes, row for row;
the workers send back what the parent writes."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import orjson

from crawlers.parsers import parse_document
from crawlers.store import CrawlStore
from registry import normalising
from registry.build import build
from registry.normalise.record import normalise_record
from registry.normalising import BATCH
from registry.notice_rows import EXTRA_KEYS, NoticeRows, notice_rows
from tests.conftest import FIXTURES, SNAPSHOT

DOCUMENTS = [
    *sorted((FIXTURES / "ocds").glob("*.json")),
    *sorted((FIXTURES / "ted").rglob("*.xml")),
    *sorted((FIXTURES / "articles").glob("*.txt")),
    *sorted((FIXTURES / "datasets").glob("*.csv")),
    *sorted((FIXTURES / "datasets").glob("*.json")),
    SNAPSHOT / "contracts-finder" / "search-page-1.json",
]


def _items() -> list[dict]:
    items = []
    for path in DOCUMENTS:
        try:
            items.extend(parse_document(path.read_bytes()))
        except ValueError:
            continue
    return items


def _fill(crawl_db: Path) -> int:
    """A store of every fixture record, twice over with other ids: several batches per kind."""
    store = CrawlStore(crawl_db)
    items = _items()
    for copy_number in range(3):
        for item in items:
            varied = copy.deepcopy(item)
            varied["source_id"] = f"{item.get('source_id')}-{copy_number}"
            if copy_number and varied["kind"] == "notice":
                varied["title"] = f"{varied.get('title')} (lot {copy_number})"
            store.upsert(varied, now=f"2026-0{copy_number + 1}-01T00:00:00+00:00")
    # One record its normaliser cannot read: counted as failed in both builds.
    store.upsert({"kind": "announcement", "source": "newsroom", "source_id": "broken", "text": 5})
    count = store.count()
    store.close()
    return count


def _tables(registry_db: Path) -> dict[str, list[tuple]]:
    """Every table's rows in the order they were written (a WITHOUT ROWID table's: its key's)."""
    conn = sqlite3.connect(registry_db)
    try:
        tables = conn.execute("SELECT name, sql FROM sqlite_master WHERE type='table'").fetchall()
        return {
            name: conn.execute(
                f"SELECT * FROM [{name}]"
                + ("" if "WITHOUT ROWID" in (sql or "").upper() else " ORDER BY rowid")
            ).fetchall()
            for name, sql in tables
        }
    finally:
        conn.close()


def test_workers_build_the_same_registry(tmp_path: Path) -> None:
    crawl_db = tmp_path / "crawl.db"
    records = _fill(crawl_db)
    assert records > 3 * BATCH
    serial = build(crawl_db, tmp_path / "serial" / "registry.db", progress=False, workers=0)
    parallel = build(crawl_db, tmp_path / "parallel" / "registry.db", progress=False, workers=2)
    assert serial.notices > 10 and serial.announcements > 20 and serial.dataset_rows > 20
    assert serial.not_relevant > 100 and serial.failed == 1
    assert parallel.summary() == serial.summary()
    assert parallel.failures == serial.failures
    serial_tables = _tables(tmp_path / "serial" / "registry.db")
    parallel_tables = _tables(tmp_path / "parallel" / "registry.db")
    assert serial_tables.keys() == parallel_tables.keys()
    for name, rows in serial_tables.items():
        assert parallel_tables[name] == rows, name


def test_a_worker_sends_back_a_notices_rows_not_its_record() -> None:
    # The parent only adds provenance and writes: what it writes is worked out in the worker.
    notices = [item for item in _items() if item["kind"] == "notice"]
    outcomes = [(item, normalising.outcome("notice", orjson.dumps(item))) for item in notices]
    published = [(item, outcome.record) for item, outcome in outcomes if outcome.record]
    assert len(published) >= 4
    for item, written in published:
        record = normalise_record(item)
        assert isinstance(written, NoticeRows)
        assert written == notice_rows(record)
        assert written.notice["id"] == f"{record['source']}/{record['source_id']}"
        assert written.notice["technologies"] == " ".join(record["technologies"])


def test_a_notices_rows_need_only_the_extra_fields_normalised_for_them() -> None:
    notices = [item for item in _items() if item["kind"] == "notice"]
    decided = [
        {
            **item,
            "decision": {"passed_flag": 1, "action": "adopted"},
            "cameras": "1,200",
            "related_notices": ["194753-2020"],
        }
        for item in notices
    ]
    for item in [*notices, *decided]:
        lean = normalise_record(item, extra_keys=EXTRA_KEYS)
        assert notice_rows(lean) == notice_rows(normalise_record(item))
