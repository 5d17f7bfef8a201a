"""The garbage collector's settings for a crawl, applied while the engine runs."""

from __future__ import annotations

import gc

from scrapy.utils.test import get_crawler

from crawlers import settings
from crawlers.collector import CollectorTuning


def test_the_crawl_collects_less_often_while_the_engine_runs_and_restores_the_defaults():
    before = gc.get_threshold()
    crawler = get_crawler(settings_dict={"SURVREG_GC_THRESHOLD": settings.SURVREG_GC_THRESHOLD})
    tuning = CollectorTuning.from_crawler(crawler)
    try:
        tuning.engine_started()
        assert gc.get_threshold() == tuple(settings.SURVREG_GC_THRESHOLD)
        assert gc.get_freeze_count() > 0  # what start-up built is left out of collections
    finally:
        tuning.engine_stopped()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
