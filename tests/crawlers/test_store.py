"""The crawl store: versions, history and runs in a real SQLite file."""

from __future__ import annotations

import hashlib
import sqlite3

import orjson

from crawlers.store import MIGRATIONS, CrawlStore, content_hash


def notice(**changes) -> dict:
    item = {
        "kind": "notice",
        "source": "contracts-finder",
        "source_id": "ocds-1/r1",
        "title": "CCTV upgrade",
        "notice_type": "tender",
        "published": "2024-01-02",
        "document_url": "https://example.org/a",
        "document_sha256": "aa",
    }
    item.update(changes)
    return item


def test_new_unchanged_changed_and_history(tmp_path):
    store = CrawlStore(tmp_path / "crawl.db")
    assert store.upsert(notice(), now="2024-01-01T00:00:00+00:00") == "new"
    assert store.upsert(notice(document_sha256="bb"), now="2024-01-02T00:00:00+00:00") == (
        "unchanged"
    )
    assert store.upsert(notice(title="CCTV upgrade, lot 2"), now="2024-01-03T00:00:00+00:00") == (
        "changed"
    )
    (row,) = store.iter_records()
    assert (row["first_seen"], row["last_seen"], row["version"]) == (
        "2024-01-01T00:00:00+00:00",
        "2024-01-03T00:00:00+00:00",
        2,
    )
    (old,) = store.db["record_history"].rows
    assert old["version"] == 1 and '"CCTV upgrade"' in old["record"]
    assert (old["valid_from"], old["valid_to"]) == (
        "2024-01-01T00:00:00+00:00",
        "2024-01-03T00:00:00+00:00",
    )


def test_hash_ignores_key_order_and_fetch_details():
    a = notice()
    b = dict(reversed(list(notice(document_url="https://mirror/x").items())))
    assert content_hash(a) == content_hash(b)


def test_hash_is_the_sha256_of_the_sorted_compact_json_at_any_length():
    # Long records are hashed in pieces (store.HASH_PIECE): the digest is the whole text's.
    for length in (0, 2000, 2047, 2048, 4094, 10_000):
        item = notice(title="x" * length)
        del item["document_url"], item["document_sha256"]
        text = orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
        assert content_hash(item) == hashlib.sha256(text).hexdigest()


def test_a_batch_of_new_records_is_stored_in_its_order_across_insert_chunks(tmp_path):
    store = CrawlStore(tmp_path / "crawl.db")
    items = [notice(source_id=f"ocds-1/r{n}", title=f"CCTV {n}") for n in range(250)]
    assert store.write(items, run_id=7) == ["new"] * 250
    rows = store.conn.execute("SELECT source_id, run_id, record FROM records ORDER BY rowid")
    assert [(r[0], r[1], orjson.loads(r[2])["title"]) for r in rows] == [
        (f"ocds-1/r{n}", 7, f"CCTV {n}") for n in range(250)
    ]


def test_runs_are_recorded_and_schema_is_versioned(tmp_path):
    store = CrawlStore(tmp_path / "crawl.db")
    run = store.start_run("ted", {"sample": 1})
    store.finish_run(run, finish_reason="finished", records_new=3, responses_by_status={"200": 2})
    (row,) = store.runs("ted")
    assert (row["finish_reason"], row["records_new"], row["responses_by_status"]) == (
        "finished",
        3,
        '{"200": 2}',
    )
    store.close()
    again = CrawlStore(tmp_path / "crawl.db")
    assert again.conn.execute("PRAGMA user_version").fetchone()[0] == again.migrate()
    assert again.migrate() == len(MIGRATIONS)


def test_values_orjson_refuses_are_stored_and_hashed_stably(tmp_path):
    store = CrawlStore(tmp_path / "crawl.db")
    huge = notice(value={"amount": 10**30, "currency": "EUR"})
    assert store.upsert(huge) == "new"
    assert store.upsert(dict(huge)) == "unchanged"
    (row,) = store.iter_records()
    assert '"amount":1000000000000000000000000000000' in row["record"]
    surrogate = notice(source_id="ocds-1/r2", title="CCTV \ud800 cameras")
    assert store.upsert(surrogate) == "new"
    assert store.upsert(dict(surrogate)) == "unchanged"
    stored = next(r["record"] for r in store.iter_records() if r["source_id"] == "ocds-1/r2")
    assert "CCTV \ufffd" in stored and "\ud800" not in stored


def test_records_are_stored_as_utf8_text(tmp_path):
    store = CrawlStore(tmp_path / "crawl.db")
    store.upsert(notice(title="Vidéo-surveillance"))
    kind, text = store.conn.execute("SELECT typeof(record), record FROM records").fetchone()
    assert kind == "text"
    assert '"title":"Vidéo-surveillance"' in text
    store.close()


def test_a_new_store_has_16_kib_pages_and_an_old_one_keeps_its_own(tmp_path):
    new = CrawlStore(tmp_path / "new.db")
    assert new.conn.execute("PRAGMA page_size").fetchone()[0] == 16384
    new.close()
    old_path = tmp_path / "old.db"
    conn = sqlite3.connect(old_path)
    conn.execute("PRAGMA page_size=4096")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    old = CrawlStore(old_path)
    assert old.conn.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert old.upsert(notice()) == "new"
    assert old.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 8192
    old.close()


def test_a_batch_that_fails_midway_leaves_nothing_stored(tmp_path):
    # New rows go in with INSERT OR FAIL (no statement journal): the batch's transaction, not
    # the statement, undoes the rows written before the failing one, in or out of write().
    store = CrawlStore(tmp_path / "crawl.db")
    store.conn.execute(
        "CREATE TRIGGER refuse_r150 BEFORE INSERT ON records WHEN NEW.source_id = 'ocds-1/r150' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    batch = [notice(source_id=f"ocds-1/r{n}") for n in range(250)]
    for write in (store.write, store.upsert_many):
        try:
            write(batch)
        except sqlite3.IntegrityError as error:
            assert "refused" in str(error)
        else:
            raise AssertionError("the refused row did not fail the batch")
        assert store.count() == 0
    store.upsert(notice(source_id="ocds-1/r1"))
    assert [row["source_id"] for row in store.iter_records()] == ["ocds-1/r1"]
