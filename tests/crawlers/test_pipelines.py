"""The crawl-store pipeline in real crawls: short write transactions, and failures told by ids."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawlers import paths
from crawlers.items import RecordBatch
from crawlers.logformatter import ItemSafeLogFormatter
from crawlers.pipelines import ValidationPipeline, run_figures
from crawlers.spiders.ocds import ContractsFinderSpider
from crawlers.store import CrawlStore
from registry.crawl import run_crawl
from registry.replay import ReplayServer
from tests.conftest import SNAPSHOT

CF = "contracts-finder"


@pytest.fixture
def cf_snapshot(tmp_path):
    directory = tmp_path / CF
    shutil.copytree(SNAPSHOT / CF, directory)
    return directory


class StoreProbe(ReplayServer):
    """When the crawl asks for the second page (so it waits on the network), looks into the
    crawl store: are the first page's records committed yet, and can another writer lock it?"""

    # A tenth of a second apart, for up to half a minute (the download timeout is a minute): a
    # crawl commits at least every SURVREG_COMMIT_SECONDS, or only when it ends.
    polls = 300

    def __init__(self, directory):
        super().__init__(directory)
        self.seen_after: int | None = None
        self.lock_taken = False

    def find(self, method, target, body):
        if "cursor=" in target:
            for poll in range(self.polls):
                if self.committed_records() > 0:
                    self.seen_after = poll
                    break
                time.sleep(0.1)
            self.lock_taken = self.take_write_lock()
        return super().find(method, target, body)

    def committed_records(self) -> int:
        conn = sqlite3.connect(paths.crawl_db(), timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM records").fetchone()[0]
        finally:
            conn.close()

    def take_write_lock(self) -> bool:
        # What a build or the scheduler does: wait at most a second for the write lock.
        conn = sqlite3.connect(paths.crawl_db(), timeout=1, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()


def test_records_are_committed_while_the_crawl_waits_and_the_write_lock_is_free(
    data_dir, cf_snapshot
):
    with StoreProbe(cf_snapshot) as server:
        result = run_crawl(
            CF,
            {"source_url": server.url},
            allow_loopback=True,
            timeout=180,
            capture_output=True,
            text=True,
        )
    assert result.returncode == 0, result.stderr
    assert server.seen_after is not None, "page 1's records were not committed while it waited"
    assert server.lock_taken, "another writer waited more than a second for the write lock"
    store = CrawlStore(paths.crawl_db())
    (run,) = store.runs(CF)
    assert run["records_new"] == store.count() == 107
    store.close()


def test_a_failed_store_write_logs_item_ids_only_and_the_run_is_failed(data_dir, cf_snapshot):
    contacts = [
        value
        for page in ("search-page-1.json", "search-page-2.json")
        for release in json.loads((cf_snapshot / page).read_bytes())["releases"]
        for party in release.get("parties", [])
        for value in (party.get("contactPoint") or {}).values()
    ]
    store = CrawlStore(paths.crawl_db())
    # What a full disk does to every write, told by SQLite itself.
    store.conn.execute(
        "CREATE TRIGGER full_disk BEFORE INSERT ON records "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    store.close()
    with ReplayServer(cf_snapshot) as server:
        result = run_crawl(
            CF,
            {"source_url": server.url},
            allow_loopback=True,
            timeout=180,
            capture_output=True,
            text=True,
        )
    lines = [line for line in result.stderr.splitlines() if "failed store write" in line]
    assert lines and len(lines) <= 3
    assert all("reason=database or disk is full" in line for line in lines)
    assert "ocds-b5fd17-" in lines[0]
    leaked = [value for value in contacts if value in result.stderr]
    assert leaked == []
    store = CrawlStore(paths.crawl_db())
    (run,) = store.runs(CF)
    assert store.count() == 0
    store.close()
    assert run["finish_reason"] == "failed"
    assert (run["records_new"], run["errors"]) == (0, 107)
    assert "store write failed for" in run["error_samples"]


def test_an_item_that_breaks_a_pipeline_is_logged_by_its_id():
    item = {"source": CF, "source_id": "ocds-1/r1", "buyer": {"contact": {"email": "a@b.org"}}}
    entry = ItemSafeLogFormatter().item_error(item, ValueError("boom"), None)
    line = entry["msg"] % entry["args"]
    assert line == f"failed record: source={CF} id=ocds-1/r1 reason=boom"


def test_a_store_that_cannot_be_opened_ends_the_crawl(data_dir):
    # A directory where the store should be: the crawl fails at once and exits (its worker
    # threads do not keep the process alive).
    paths.crawl_db().mkdir(parents=True)
    result = run_crawl(
        CF,
        {"source_url": "http://127.0.0.1:9"},
        allow_loopback=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "unable to open database file" in result.stderr


def _record(number: int, **fields) -> dict:
    return {
        "kind": "notice",
        "source": CF,
        "source_id": f"ocds-1/r{number}",
        "notice_type": "tender",
        "title": f"CCTV {number}",
        "published": "2024-01-01",
        "document_url": "https://example.org/page",
        "buyer": {"contact": {"email": "officer@example.org"}},
        **fields,
    }


def _validation() -> tuple[ValidationPipeline, Crawler]:
    crawler = get_crawler(ContractsFinderSpider)
    crawler.spider = crawler._create_spider()
    return ValidationPipeline.from_crawler(crawler), crawler


def test_a_batch_is_validated_record_by_record_with_one_line_per_rejected_record(caplog):
    pipeline, crawler = _validation()
    batch = RecordBatch(
        [_record(1), _record(2, kind="bogus"), _record(3, published=None), _record(4, title=None)]
    )
    with caplog.at_level(logging.WARNING, logger="crawlers.pipelines"):
        kept = pipeline.process_item(batch)
    assert isinstance(kept, RecordBatch)
    assert [r["source_id"] for r in kept.records] == ["ocds-1/r1", "ocds-1/r3"]
    assert [r.getMessage() for r in caplog.records] == [
        f"rejected record: source={CF} url=https://example.org/page reason=unknown kind 'bogus'",
        f"rejected record: source={CF} url=https://example.org/page reason=no title",
    ]
    figures = run_figures(crawler.stats.get_stats())
    assert (figures["records_rejected"], figures["records_missing_date"]) == (2, 1)
    whole = RecordBatch([_record(5)])
    assert pipeline.process_item(whole) is whole


def test_a_batch_whose_records_are_all_rejected_is_dropped_and_a_record_item_as_before(caplog):
    pipeline, crawler = _validation()
    with pytest.raises(DropItem, match="2 records rejected"):
        pipeline.process_item(RecordBatch([_record(1, kind=None), _record(2, kind=None)]))
    with pytest.raises(DropItem, match="^no title$"):
        pipeline.process_item(_record(3, title=None))
    assert pipeline.process_item(_record(4)) == _record(4)
    assert crawler.stats.get_value("survreg/records_rejected") == 3
    assert len([r for r in caplog.records if "rejected record" in r.getMessage()]) == 3


def test_a_batch_is_logged_by_its_record_ids_only():
    batch = RecordBatch([_record(n) for n in range(25)])
    formatter = ItemSafeLogFormatter()
    lines = [
        entry["msg"] % entry["args"]
        for entry in (
            formatter.item_error(batch, ValueError("boom"), None),
            formatter.dropped(batch, DropItem("2 records rejected"), None),
            formatter.scraped(batch, None),
        )
    ]
    ids = ", ".join(f"ocds-1/r{n}" for n in range(20)) + ", ..."
    assert lines == [
        f"failed records: source={CF} records=25 ids={ids} reason=boom",
        f"dropped records: source={CF} records=25 ids={ids} reason=2 records rejected",
        f"stored records: source={CF} records=25 ids={ids}",
    ]
    assert ItemSafeLogFormatter(debug=False).scraped(batch, None) is None
