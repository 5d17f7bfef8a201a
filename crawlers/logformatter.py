"""Log lines for items: one short line per dropped item, never the item itself.

Items carry raw contact details until the build redacts them, so they stay out of the logs:
a record is named by its id, a batch of records by theirs.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.logformatter import LogFormatter

from crawlers.items import RecordBatch

# A line about many records names this many of their ids, then "...".
MAX_IDS_LOGGED = 20


def shown_ids(ids: list[str]) -> str:
    """The first MAX_IDS_LOGGED ids, comma-separated, and "..." when there are more."""
    return ", ".join(ids[:MAX_IDS_LOGGED]) + (", ..." if len(ids) > MAX_IDS_LOGGED else "")


class ItemSafeLogFormatter(LogFormatter):
    """Scrapy's log formatter with dropped, failed and scraped items reduced to their ids."""

    def __init__(self, debug: bool = True):
        super().__init__()
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ItemSafeLogFormatter:
        level = crawler.settings.get("LOG_LEVEL") or "DEBUG"
        if not isinstance(level, int):
            level = logging.getLevelNamesMapping().get(str(level).upper(), logging.DEBUG)
        return cls(debug=level <= logging.DEBUG)

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None):
        return _entry(logging.DEBUG, "dropped", item, exception)

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any = None):
        return _entry(logging.ERROR, "failed", item, exception)

    def scraped(self, item: Any, response: Any, spider: Any = None):
        # Scrapy builds a log record for every item at any level; a record per release is a
        # measurable share of a crawl's time (benchmarks/bench_crawl_replay.py).
        if not self.debug:
            return None
        return _entry(logging.DEBUG, "stored", item)


def _entry(level: int, what: str, item: Any, reason: BaseException | None = None) -> dict:
    if isinstance(item, RecordBatch):
        ids = [str(_get(record, "source_id")) for record in item.records]
        source = _get(item.records[0], "source") if item.records else None
        msg = f"{what} records: source=%(source)s records=%(count)d ids=%(ids)s"
        args: dict[str, Any] = {"source": source, "count": len(ids), "ids": shown_ids(ids)}
    else:
        msg = f"{what} record: source=%(source)s id=%(source_id)s"
        args = {"source": _get(item, "source"), "source_id": _get(item, "source_id")}
    if reason is not None:
        msg += " reason=%(reason)s"
        args["reason"] = reason
    return {"level": level, "msg": msg, "args": args}


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else None
