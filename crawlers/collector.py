"""Python's garbage collector set for a crawl: records are many small, short-lived objects.

A page parsed whole is some 50,000 dicts and lists, and records wait in the store pipeline for
their batch. With the collector's defaults (a collection every 700 new containers) each of them is
traversed again and again while it lives, and the whole heap often: about an eighth of a crawl's
CPU (benchmarks/bench_crawl_replay.py). Records hold no reference cycles, so nothing waits longer
to be freed; only cyclic garbage (Twisted's failures, say) is collected less often.
"""

from __future__ import annotations

import gc
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler


class CollectorTuning:
    """Freezes what start-up built (it lives as long as the process) and raises the collector's
    thresholds to ``SURVREG_GC_THRESHOLD`` once the engine starts; restores them when it stops."""

    def __init__(self, threshold: tuple[int, ...]):
        self.threshold = threshold
        self.previous = gc.get_threshold()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        threshold = tuple(int(n) for n in crawler.settings.getlist("SURVREG_GC_THRESHOLD"))
        extension = cls(threshold)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        gc.freeze()
        gc.set_threshold(*self.threshold)

    def engine_stopped(self) -> None:
        gc.set_threshold(*self.previous)
        gc.unfreeze()
