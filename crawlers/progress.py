"""Live figures of a crawl for the command that started it: JSON lines on an inherited pipe.

``survreg crawl`` draws a progress line per source from them; the run's record in the crawl
store stays the only account of how the crawl went.
"""

from __future__ import annotations

import json
import os
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawlers.pipelines import run_figures

INTERVAL = 0.5


class ProgressExtension:
    """Writes ``run_figures`` of the stats to the file descriptor ``SURVREG_PROGRESS_FD``."""

    def __init__(self, crawler: Crawler, fd: int):
        self.crawler = crawler
        self.fd = fd
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        fd = crawler.settings.getint("SURVREG_PROGRESS_FD", -1)
        if fd < 0:
            raise NotConfigured
        extension = cls(crawler, fd)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.task = create_looping_call(self.write)
        self.task.start(INTERVAL)

    def spider_closed(self) -> None:
        if self.task and self.task.running:
            self.task.stop()
        self.write()
        os.close(self.fd)

    def write(self) -> None:
        figures = run_figures(self.crawler.stats.get_stats())
        line = json.dumps({k: v for k, v in figures.items() if k != "error_samples"}) + "\n"
        try:
            os.write(self.fd, line.encode())
        except OSError:
            return  # the reader is gone; the crawl's own record does not depend on it
