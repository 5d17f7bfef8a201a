"""Item pipelines: validate, then store every version of every record that parses.

Relevance is the build's to decide (registry/relevance.py): a better taxonomy is a rebuild.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure
from twisted.python.threadpool import ThreadPool

from crawlers import paths, workers
from crawlers.items import RecordBatch, item_problems, missing_date, records_of
from crawlers.logformatter import shown_ids
from crawlers.spiders.base import MAX_ERROR_SAMPLES
from crawlers.store import CrawlStore

logger = logging.getLogger(__name__)
STOP_AFTER_FAILED_WRITES = 3


class _CrawlerPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)


class ValidationPipeline(_CrawlerPipeline):
    """Rejects records that break the contract, with one fixed log line each; a batch goes on
    with the records that pass (dropped when none does)."""

    def process_item(self, item: dict | RecordBatch) -> dict | RecordBatch:
        records = records_of(item)
        kept, reasons = [], []
        for record in records:
            reason = self._rejected(record)
            if reason is None:
                kept.append(record)
            else:
                reasons.append(reason)
        stats = self.crawler.stats
        # Counted per item, not per record: each of Scrapy's stats calls costs.
        if reasons:
            stats.inc_value("survreg/records_rejected", len(reasons))
        undated = sum(1 for record in kept if missing_date(record))
        if undated:
            stats.inc_value("survreg/records_missing_date", undated)
        if not kept:
            raise DropItem(reasons[0] if len(reasons) == 1 else f"{len(reasons)} records rejected")
        if len(kept) < len(records):
            return RecordBatch(kept)
        return item

    def _rejected(self, record: dict) -> str | None:
        """Why a record cannot be stored, logged in one fixed line; None when it can."""
        problems = item_problems(record)
        if not problems:
            return None
        # Items reach the pipelines only while the spider is open.
        assert self.crawler.spider is not None
        reason = "; ".join(problems)
        logger.warning(
            "rejected record: source=%s url=%s reason=%s",
            self.crawler.spider.name,
            record.get("document_url"),
            reason,
        )
        return reason


class CrawlStorePipeline(_CrawlerPipeline):
    """Stores items in the crawl store and records the run in ``crawl_runs`` when it ends.

    Items are written in batches by a thread of their own, never on the reactor thread: a batch
    is one short transaction, written when ``SURVREG_COMMIT_EVERY`` items are waiting and at
    least every ``SURVREG_COMMIT_SECONDS``, so the store's write lock is never held while the
    crawl waits on the network, and a killed crawl loses only what had not been written yet.
    A batch that cannot be written is logged by item ids (never the items: they hold contact
    details) and counted, and the run is recorded as failed.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.path = settings.get("SURVREG_CRAWL_DB") or paths.crawl_db()
        self.batch_size = max(1, settings.getint("SURVREG_COMMIT_EVERY", 2000))
        self.interval = settings.getfloat("SURVREG_COMMIT_SECONDS", 1.0)
        self.store: CrawlStore | None = None
        self.run_id: int | None = None
        self.pending: list[dict] = []
        self.writing: Deferred | None = None
        self.failures_in_a_row = 0
        self.failed_records = 0
        self.writer: ThreadPool | None = None
        self.timer = LoopingCall(self.flush)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        # Scrapy sets the crawler's spider before it opens the pipelines.
        assert spider is not None
        # One thread: the store's connection is used by it alone, one batch at a time.
        self.writer = workers.worker_pool("crawl-store", 1)
        arguments = getattr(spider, "arguments", {})
        try:
            self.store, self.run_id = await self.in_writer(self._open, spider.name, arguments)
        except BaseException:
            workers.stop(self.writer)
            raise
        self.timer.start(self.interval, now=False)

    def _open(self, source: str, arguments: dict) -> tuple[CrawlStore, int]:
        store = CrawlStore(self.path, check_same_thread=False)
        return store, store.start_run(source, arguments)

    async def process_item(self, item: dict | RecordBatch) -> dict | RecordBatch:
        self.pending.extend(records_of(item))
        if len(self.pending) >= self.batch_size:
            self.flush()
            # The writer is behind: wait for it rather than hold more than two batches.
            while self.writing is not None and len(self.pending) >= self.batch_size:
                await maybe_deferred_to_future(self.writing)
        return item

    def flush(self) -> Deferred | None:
        """Hand the waiting items to the writer thread, unless it is writing a batch already."""
        if self.writing is None and self.pending and self.store is not None:
            batch, self.pending = self.pending, []
            writing = self.in_writer_deferred(self.store.write, batch, run_id=self.run_id)
            writing.addBoth(self._written, batch)
            self.writing = writing
        return self.writing

    def _written(self, result: list[str] | Failure, batch: list[dict]) -> None:
        self.writing = None
        if isinstance(result, Failure):
            self._write_failed(batch, result.value)
        else:
            self.failures_in_a_row = 0
            # Counted per batch, not per item: Scrapy's stats cost an exception per access.
            for outcome, count in Counter(result).items():
                self.crawler.stats.inc_value(f"survreg/records_{outcome}", count)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def _write_failed(self, batch: list[dict], error: BaseException) -> None:
        assert self.crawler.spider is not None
        self.failures_in_a_row += 1
        self.failed_records += len(batch)
        self.crawler.stats.inc_value("survreg/store_errors", len(batch))
        ids = [str(item.get("source_id")) for item in batch]
        logger.error(
            "failed store write: source=%s records=%d ids=%s reason=%s",
            self.crawler.spider.name,
            len(batch),
            shown_ids(ids),
            error,
        )
        stats = self.crawler.stats
        samples = stats.get_value("survreg/error_samples") or []
        if len(samples) < MAX_ERROR_SAMPLES:
            sample = f"store write failed for {len(batch)} records ({ids[0]} ...): {error}"
            stats.set_value("survreg/error_samples", [*samples, sample])
        if self.failures_in_a_row == STOP_AFTER_FAILED_WRITES:
            # A full disk or a broken store fails every write: crawling on would fetch for nothing.
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="failed"))

    async def close_spider(self) -> None:
        if self.timer.running:
            self.timer.stop()
        while self.writing is not None or self.pending:
            writing = self.flush()
            if writing is None:
                break
            await maybe_deferred_to_future(writing)
        stats = self.crawler.stats
        if self.store is not None:
            stats.set_value("survreg/store_commits", self.store.commits)
            stats.set_value("survreg/store_longest_hold_ms", round(self.store.longest_hold * 1000))

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.store is None or self.run_id is None:
            if self.writer is not None:
                workers.stop(self.writer)
            return
        store, run_id = self.store, self.run_id
        self.store = None
        figures = run_figures(self.crawler.stats.get_stats())
        if self.failed_records:
            reason = "failed"
        try:
            await self.in_writer(store.finish_run, run_id, finish_reason=reason, **figures)
        except sqlite3.Error as exc:
            logger.error(
                "failed to record the run: source=%s run=%s reason=%s", spider.name, run_id, exc
            )
        finally:
            await self.in_writer(store.close)
            assert self.writer is not None
            workers.stop(self.writer)

    def in_writer_deferred(self, function: Any, *args: Any, **kwargs: Any) -> Deferred:
        assert self.writer is not None
        return workers.in_pool(self.writer, function, *args, **kwargs)

    async def in_writer(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run ``function`` in the writer thread, the only one that touches the store."""
        return await maybe_deferred_to_future(self.in_writer_deferred(function, *args, **kwargs))


def run_figures(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_runs columns from Scrapy's stats."""
    prefix = "downloader/response_status_count/"
    by_status = {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}
    # Failed requests are counted once each, after retries (crawlers/failures.py), not per try.
    errors = sum(
        int(stats.get(key, 0))
        for key in (
            "survreg/parse_errors",
            "survreg/failed_requests",
            "survreg/forbidden_address",
            "survreg/store_errors",
        )
    )
    errors += sum(
        int(v)
        for k, v in stats.items()
        if k.startswith("spider_exceptions/") and k != "spider_exceptions/count"
    )
    return {
        "requests": int(stats.get("downloader/request_count", 0)),
        "responses_by_status": by_status,
        "records_new": int(stats.get("survreg/records_new", 0)),
        "records_changed": int(stats.get("survreg/records_changed", 0)),
        "records_unchanged": int(stats.get("survreg/records_unchanged", 0)),
        "records_rejected": int(stats.get("survreg/records_rejected", 0)),
        "records_missing_date": int(stats.get("survreg/records_missing_date", 0)),
        "errors": errors,
        "error_samples": stats.get("survreg/error_samples", []),
    }
