"""Item pipelines: validate, then store every version of every record that parses.

Relevance is the build's to decide (registry/relevance.py): a better taxonomy is a rebuild.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers import paths
from crawlers.items import item_problems, missing_date
from crawlers.store import CrawlStore

logger = logging.getLogger(__name__)


class _CrawlerPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)


class ValidationPipeline(_CrawlerPipeline):
    """Rejects items that break the contract, with one fixed log line each."""

    def process_item(self, item: dict) -> dict:
        problems = item_problems(item)
        stats = self.crawler.stats
        if problems:
            stats.inc_value("survreg/records_rejected")
            # Items reach the pipelines only while the spider is open.
            assert self.crawler.spider is not None
            logger.warning(
                "rejected record: source=%s url=%s reason=%s",
                self.crawler.spider.name,
                item.get("document_url"),
                "; ".join(problems),
            )
            raise DropItem("; ".join(problems))
        if missing_date(item):
            stats.inc_value("survreg/records_missing_date")
        return item


class CrawlStorePipeline(_CrawlerPipeline):
    """Upserts items into the crawl store and records the run in ``crawl_runs`` when it ends."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.path = crawler.settings.get("SURVREG_CRAWL_DB") or paths.crawl_db()
        self.commit_every = crawler.settings.getint("SURVREG_COMMIT_EVERY", 200)
        self.store: CrawlStore | None = None
        self.run_id: int | None = None
        self.pending = 0
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        # Scrapy sets the crawler's spider before it opens the pipelines.
        assert spider is not None
        self.store = CrawlStore(self.path)
        self.run_id = self.store.start_run(spider.name, getattr(spider, "arguments", {}))
        self.store.conn.execute("BEGIN IMMEDIATE")

    def process_item(self, item: dict) -> dict:
        assert self.store is not None
        outcome = self.store.upsert(item, run_id=self.run_id)
        self.crawler.stats.inc_value(f"survreg/records_{outcome}")
        self.pending += 1
        if self.pending >= self.commit_every:
            self.store.conn.execute("COMMIT")
            self.store.conn.execute("BEGIN IMMEDIATE")
            self.pending = 0
        return item

    def close_spider(self) -> None:
        if self.store is not None and self.store.conn.in_transaction:
            self.store.conn.execute("COMMIT")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.store is None or self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        self.store.finish_run(self.run_id, finish_reason=reason, **run_figures(stats))
        self.store.close()
        self.store = None


def run_figures(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_runs columns from Scrapy's stats."""
    prefix = "downloader/response_status_count/"
    by_status = {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}
    # Failed requests are counted once each, after retries (crawlers/failures.py), not per try.
    errors = sum(
        int(stats.get(key, 0))
        for key in ("survreg/parse_errors", "survreg/failed_requests", "survreg/forbidden_address")
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
