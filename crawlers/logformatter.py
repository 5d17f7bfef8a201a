"""Log lines for items: one short line per dropped item, never the item itself.

Items carry raw contact details until the build redacts them, so they stay out of the logs.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.logformatter import LogFormatter


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
        return {
            "level": logging.DEBUG,
            "msg": "dropped record: source=%(source)s id=%(source_id)s reason=%(reason)s",
            "args": {
                "source": _get(item, "source"),
                "source_id": _get(item, "source_id"),
                "reason": exception,
            },
        }

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any = None):
        return {
            "level": logging.ERROR,
            "msg": "failed record: source=%(source)s id=%(source_id)s reason=%(reason)s",
            "args": {
                "source": _get(item, "source"),
                "source_id": _get(item, "source_id"),
                "reason": exception,
            },
        }

    def scraped(self, item: Any, response: Any, spider: Any = None):
        # Scrapy builds a log record for every item at any level; a record per release is a
        # measurable share of a crawl's time (benchmarks/bench_crawl_replay.py).
        if not self.debug:
            return None
        return {
            "level": logging.DEBUG,
            "msg": "stored record: source=%(source)s id=%(source_id)s",
            "args": {"source": _get(item, "source"), "source_id": _get(item, "source_id")},
        }


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else None
