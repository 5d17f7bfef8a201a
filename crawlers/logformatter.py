"""Log lines for items: one short line per dropped item, never the item itself.

Items carry raw contact details until the build redacts them, so they stay out of the logs.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class ItemSafeLogFormatter(LogFormatter):
    """Scrapy's log formatter with dropped and scraped items reduced to their ids."""

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

    def scraped(self, item: Any, response: Any, spider: Any = None):
        return {
            "level": logging.DEBUG,
            "msg": "stored record: source=%(source)s id=%(source_id)s",
            "args": {"source": _get(item, "source"), "source_id": _get(item, "source_id")},
        }


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else None
