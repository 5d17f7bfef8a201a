"""Date windows and per-host politeness of the base spiders, without a crawl."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import is_generator_with_return_value

from crawlers import settings as project_settings
from crawlers.spiders.base import BATCH_RECORDS, Window
from crawlers.spiders.ocds import (
    ContractsFinderSpider,
    FindATenderSpider,
    OcdsPackageSpider,
    Sell2WalesSpider,
)
from crawlers.spiders.ted import TedSpider


def spider(cls, **arguments):
    """A spider with the project's settings, as a crawl would give it."""
    instance = cls(**arguments)
    instance.settings = Settings()
    instance.settings.setmodule(project_settings)
    return instance


def test_windows_are_counted_back_from_until_date():
    cf = ContractsFinderSpider(from_date="2024-01-01", until_date="2024-02-15")
    assert cf.windows() == [
        Window(dt.date(2024, 1, 31), dt.date(2024, 2, 15)),
        Window(dt.date(2024, 1, 16), dt.date(2024, 1, 31)),
        Window(dt.date(2024, 1, 1), dt.date(2024, 1, 16)),
    ]
    longer = ContractsFinderSpider(from_date="2024-01-01", until_date="2024-02-15", window_days=40)
    assert [str(w) for w in longer.windows()] == [
        "2024-01-06..2024-02-15",
        "2024-01-01..2024-01-06",
    ]
    one = ContractsFinderSpider(from_date="2024-01-01", until_date="2024-02-15", window_days="0")
    assert one.windows() == [Window(dt.date(2024, 1, 1), dt.date(2024, 2, 15))]
    assert one.arguments["window_days"] == "0"


def test_without_until_date_the_newest_window_is_open_ended():
    today = dt.datetime.now(dt.UTC).date()
    cf = ContractsFinderSpider(from_date=(today - dt.timedelta(days=20)).isoformat())
    newest, older = cf.windows()
    assert newest.open_ended and not older.open_ended
    assert (newest.stop - newest.start).days == 15
    assert "publishedTo" not in cf.first_url(newest)
    assert "publishedTo" in cf.first_url(older)


def test_without_from_date_a_crawl_is_one_chain_as_the_api_lists_it():
    cf = ContractsFinderSpider(until_date="2024-02-15")
    assert cf.windows() == [None]
    assert cf.first_url(None).endswith("?limit=100&publishedTo=2024-02-15T00%3A00%3A00Z")
    assert OcdsPackageSpider(
        url="https://example.org/p.json", from_date="2024-01-01"
    ).windows() == [None]


def test_monthly_apis_get_one_window_per_calendar_month():
    wales = Sell2WalesSpider(from_date="2024-11-15", until_date="2025-02-10")
    urls = [wales.first_url(w) for w in wales.windows()]
    assert [u.split("dateFrom=")[1] for u in urls] == ["02-2025", "01-2025", "12-2024", "11-2024"]
    with pytest.raises(ValueError, match="window_days does not apply"):
        Sell2WalesSpider(from_date="2024-11-15", window_days="5")


def test_ted_windows_are_inclusive_days():
    ted = TedSpider(from_date="2025-01-01", until_date="2025-01-31", window_days=20)
    assert [str(w) for w in ted.windows()] == ["2025-01-12..2025-02-01", "2025-01-01..2025-01-12"]


def test_find_a_tender_dates_are_in_the_documented_format():
    fts = FindATenderSpider(from_date="2024-09-05", until_date="2024-09-15")
    (window,) = fts.windows()
    assert "updatedFrom=2024-09-05T00%3A00%3A00&updatedTo=2024-09-15T00%3A00%3A00" in (
        fts.first_url(window)
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"window_days": "-1"}, "window_days must be a whole number"),
        ({"window_days": "two"}, "window_days must be a whole number"),
        ({"from_date": "2024-02-01", "until_date": "2024-01-01"}, "is after until_date"),
    ],
)
def test_bad_window_arguments_are_one_clear_error(arguments, message):
    with pytest.raises(ValueError, match=message):
        ContractsFinderSpider(**arguments)


def test_apis_that_answer_429_get_two_requests_at_a_time_and_no_autothrottle():
    cf = spider(ContractsFinderSpider)
    slots = cf.settings.getdict("DOWNLOAD_SLOTS")
    for host in ("www.contractsfinder.service.gov.uk", "api.ted.europa.eu"):
        assert (slots[host]["concurrency"], slots[host]["delay"]) == (2, 0)
    request = cf.window_request(None)
    assert request.meta["autothrottle_dont_adjust_delay"] is True
    # Hosts without such an entry stay under AutoThrottle.
    assert "autothrottle_dont_adjust_delay" not in cf.request("https://example.org/").meta


def test_a_documents_records_pass_in_batches_and_an_error_keeps_those_before_it():
    def records():
        for number in range(250):
            yield {"source_id": f"r{number}"}
        raise ValueError("parser bug")

    batches = []
    with pytest.raises(ValueError, match="parser bug"):
        for batch in ContractsFinderSpider().batch_of(records()):
            batches.append(batch)
    assert [len(b.records) for b in batches] == [BATCH_RECORDS, BATCH_RECORDS, 50]
    assert batches[-1].records[-1] == {"source_id": "r249"}
    assert list(ContractsFinderSpider().batch_of(iter(()))) == []


def test_no_spider_generator_returns_a_value():
    # A generator callback's return value is lost. Scrapy's check of it before every response
    # is off (WARN_ON_GENERATOR_RETURN_VALUE in crawlers/settings.py); it is made here, once.
    settings = Settings()
    settings.setmodule(project_settings)
    loader = SpiderLoader.from_settings(settings)
    checked = set()
    for name in loader.list():
        for _, function in inspect.getmembers(loader.load(name), inspect.isgeneratorfunction):
            if function.__module__.startswith("crawlers.") and function not in checked:
                checked.add(function)
                assert not is_generator_with_return_value(function), function.__qualname__
    assert len(checked) > 10
