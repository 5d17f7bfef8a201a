"""The base of every source spider: operator arguments, mirrors, fail-soft parsing, and date
windows (a long date range cut into slices, each crawled as its own chain of pages)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.failures import SPIDER_RETRIES
from crawlers.integrity import TruncatedBody
from crawlers.items import RecordBatch
from crawlers.parsers.errors import ParseError

logger = logging.getLogger(__name__)
MAX_ERROR_SAMPLES = 20
# Records per item of a batching spider: an API page of 100 is one item, a bulk file's records
# stay a stream of small batches.
BATCH_RECORDS = 100
# A window whose chain breaks (a page that failed for good, after the downloader's own retries)
# is tried again from that page this many times, after the other windows' queued pages.
WINDOW_RETRIES = 1


class SourceSpider(scrapy.Spider):
    """A source: ``name`` is its id in registry/reference/sources.yaml, which holds its licence.

    Arguments (``-a name=value``): ``sample=N`` stops after N records; ``from_date`` and
    ``until_date`` (YYYY-MM-DD) bound the crawl; ``source_url`` sends requests to a mirror
    (only scheme, host and port change; stored URLs stay the real source's).
    """

    arguments: dict[str, Any] = {}

    def __init__(
        self,
        *args: Any,
        sample: str | int | None = None,
        from_date: str | None = None,
        until_date: str | None = None,
        source_url: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.sample = int(sample) if sample not in (None, "") else None
        self.from_date = _date_argument("from_date", from_date)
        self.until_date = _date_argument("until_date", until_date)
        if self.from_date and self.until_date and self.from_date > self.until_date:
            raise ValueError(f"from_date {self.from_date} is after until_date {self.until_date}")
        self.source_url = source_url
        self.records_yielded = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Every operator argument, those a subclass consumes too (url, feed, package, area), so
        # the run's record can repeat the crawl (--resume).
        spider.arguments = {k: v for k, v in kwargs.items() if v is not None}
        return spider

    def mirrored(self, url: str) -> str:
        """The URL to fetch: the real URL with the mirror's scheme, host and port."""
        if not self.source_url:
            return url
        mirror, real = urlsplit(self.source_url), urlsplit(url)
        return urlunsplit((mirror.scheme, mirror.netloc, real.path, real.query, real.fragment))

    def request(self, url: str, **kwargs: Any) -> scrapy.Request:
        """A request for a real source URL, sent to the mirror when there is one."""
        meta = kwargs.pop("meta", {})
        meta.setdefault("real_url", url)
        kwargs.setdefault("errback", self.request_failed)
        fetched = self.mirrored(url)
        if urlsplit(fetched).hostname in self.unthrottled_hosts:
            meta.setdefault("autothrottle_dont_adjust_delay", True)
        return scrapy.Request(fetched, meta=meta, **kwargs)

    @cached_property
    def retry_codes(self) -> frozenset[int]:
        """The HTTP statuses the downloader retries (RETRY_HTTP_CODES)."""
        return frozenset(int(code) for code in self.settings.getlist("RETRY_HTTP_CODES"))

    @cached_property
    def unthrottled_hosts(self) -> frozenset[str]:
        """Hosts whose DOWNLOAD_SLOTS entry says ``"autothrottle": False``: their own concurrency
        and delay, never adjusted by AutoThrottle."""
        slots = self.settings.getdict("DOWNLOAD_SLOTS")
        return frozenset(h for h, slot in slots.items() if slot.get("autothrottle") is False)

    def request_failed(self, failure: Failure) -> None:
        """Count a body dropped while it was being decompressed: over the size limit, or cut short.

        Other failures are logged and counted by FailedRequestMiddleware; these are raised on the
        way back from the download and never reach that middleware.
        """
        if body_dropped(failure):
            request = failed_request(failure)
            self.document_failed(request.meta.get("real_url") or request.url, str(failure.value))

    def real_url(self, response: Response) -> str:
        return response.meta.get("real_url") or response.url

    @property
    def sample_reached(self) -> bool:
        return self.sample is not None and self.records_yielded >= self.sample

    def records_from(self, response: Response, items: Iterable[dict]) -> Iterator[dict]:
        """Yield parsed items with their document's URL and hash; a parse failure is logged and
        counted, and the items before it are kept."""
        url = self.real_url(response)
        iterator = iter(items)
        while not self.sample_reached:
            try:
                item = next(iterator)
            except StopIteration:
                return
            except ParseError as exc:
                self.document_failed(url, str(exc), window=response.meta.get("window"))
                return
            item.setdefault("source", self.name)
            item["document_url"] = url
            item["document_sha256"] = response.meta.get("document_sha256")
            self.records_yielded += 1
            yield item

    def batch_of(self, records: Iterable[dict]) -> Iterator[RecordBatch]:
        """The records of a document as items of up to BATCH_RECORDS records each (ITEMS.md).

        A bulk file's records stay a stream: a batch is passed on as soon as it is full. What a
        parser gave before an unexpected error is still passed on, as it was when each record
        was an item of its own.
        """
        batch: list[dict] = []
        try:
            for record in records:
                batch.append(record)
                if len(batch) == BATCH_RECORDS:
                    yield RecordBatch(batch)
                    batch = []
        except Exception:
            if batch:
                yield RecordBatch(batch)
            raise
        if batch:
            yield RecordBatch(batch)

    def document_failed(self, url: str, reason: str, window: Window | None = None) -> None:
        """One fixed log line and a counted error for a document that could not be parsed."""
        if window is None:
            logger.error("failed document: source=%s url=%s reason=%s", self.name, url, reason)
            self.error_sample(f"{url}: {reason}")
        else:
            logger.error(
                "failed document: source=%s url=%s window=%s reason=%s",
                self.name,
                url,
                window,
                reason,
            )
            self.error_sample(f"window {window}: {url}: {reason}")
        self.crawler.stats.inc_value("survreg/parse_errors")

    def error_sample(self, text: str) -> None:
        """Keep ``text`` among the run's error samples (the first MAX_ERROR_SAMPLES of them)."""
        stats = self.crawler.stats
        samples = stats.get_value("survreg/error_samples") or []
        if len(samples) < MAX_ERROR_SAMPLES:
            stats.set_value("survreg/error_samples", [*samples, text])


@dataclass(frozen=True)
class Window:
    """A slice ``[start, stop)`` of a crawl's dates, crawled as its own chain of pages. The
    newest slice of a crawl without ``until_date`` is ``open_ended``: no upper bound is sent."""

    start: dt.date
    stop: dt.date
    open_ended: bool = False

    def __str__(self) -> str:
        return f"{self.start}..{self.stop}"


_NO_WINDOW = object()


class WindowedSpider(SourceSpider):
    """A date-ranged source: ``from_date``..``until_date`` is cut into windows of ``window_days``
    (``-a window_days=N``, 0 for one window) counted back from ``until_date`` (default: now), or
    into calendar months where the API serves one month per query (``monthly``).

    Windows are crawled concurrently, each its own chain, within the politeness settings; with
    ``sample`` one after another, so the crawl stops at the sample. A window whose page fails for
    good is tried again from that page (WINDOW_RETRIES), then reported on its own. Without
    ``from_date`` a crawl is the API's own listing: one chain, no windows.
    """

    window_days: int = 0
    monthly: bool = False
    # The API's upper bound includes its day (TED's publication-date <= D): the range ends a day
    # later. Otherwise the bound is an instant, midnight at the start of until_date.
    until_inclusive: bool = False

    def __init__(self, *args: Any, window_days: str | int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if window_days not in (None, ""):
            if self.monthly:
                raise ValueError(
                    f"{self.name}: window_days does not apply, its API serves one month per query"
                )
            if not str(window_days).isdigit():
                raise ValueError(f"window_days must be a whole number >= 0, got {window_days!r}")
            self.window_days = int(str(window_days))
            self.arguments["window_days"] = window_days
        self.queued_windows: Iterator[Window | None] = iter(())

    def window_request(self, window: Window | None) -> Request:
        """The first request of a window (``None``: the one chain of a crawl without windows)."""
        raise NotImplementedError

    def windows(self) -> list[Window | None]:
        """This crawl's windows, newest first; ``[None]`` when it is one chain without windows."""
        if self.from_date is None:
            return [None]
        today = dt.datetime.now(dt.UTC).date()
        if self.monthly:
            return list(month_windows(self.from_date, self.until_date or today))
        if self.until_date is None:
            return list(day_windows(self.from_date, today + ONE_DAY, self.window_days, True))
        stop = self.until_date + ONE_DAY if self.until_inclusive else self.until_date
        return list(day_windows(self.from_date, stop, self.window_days, False))

    async def start(self):
        windows = iter(self.windows())
        if self.sample is not None:
            self.queued_windows = windows
            yield self.window_request(next(windows))
            return
        for window in windows:
            yield self.window_request(window)

    def window_meta(self, response_or_window: Response | Window | None) -> dict[str, Any]:
        """Request meta that keeps a page in its window's chain."""
        window = (
            response_or_window.meta.get("window")
            if isinstance(response_or_window, Response)
            else response_or_window
        )
        return {"window": window, SPIDER_RETRIES: WINDOW_RETRIES}

    def window_ended(self) -> Iterator[Request]:
        """A chain has ended: in a sample crawl, start the next window unless the sample is in."""
        if not self.sample_reached:
            window = next(self.queued_windows, _NO_WINDOW)
            if window is not _NO_WINDOW:
                yield self.window_request(window)  # type: ignore[arg-type]

    def request_failed(self, failure: Failure) -> Iterator[Request]:  # type: ignore[override]
        """A page of a window that failed for good: try it again later, or report the window."""
        request = failed_request(failure)
        if "window" not in request.meta:
            super().request_failed(failure)
            return
        window = request.meta["window"]
        url = request.meta.get("real_url") or request.url
        reason = failure_reason(failure)
        # What the downloader retries may pass later; refusals (robots.txt, the address guard),
        # redirects not followed, other HTTP errors and bodies over the size limit stay so.
        http_error = failure.check(HttpError)
        retryable = (
            failure.check(TruncatedBody)
            or (http_error and failure.value.response.status in self.retry_codes)
            or not failure.check(IgnoreRequest)
        )
        if retryable and request.meta.get(SPIDER_RETRIES):
            logger.warning(
                "retrying window: source=%s window=%s url=%s reason=%s",
                self.name,
                window or "all",
                url,
                reason,
            )
            meta = {**request.meta, SPIDER_RETRIES: request.meta[SPIDER_RETRIES] - 1}
            meta.pop("retry_times", None)
            yield request.replace(meta=meta, dont_filter=True, priority=request.priority - 10)
            return
        if body_dropped(failure):
            self.crawler.stats.inc_value("survreg/failed_windows")
            self.document_failed(url, reason, window=window)
        elif retryable or http_error:
            self.crawler.stats.inc_value("survreg/failed_windows")
            logger.error(
                "failed window: source=%s window=%s url=%s reason=%s",
                self.name,
                window or "all",
                url,
                reason,
            )
            self.error_sample(f"window {window or 'all'}: {url}: {reason}")
        # A refusal (robots.txt, the address guard) is a decision with its own log line.
        yield from self.window_ended()


ONE_DAY = dt.timedelta(days=1)


def day_windows(start: dt.date, stop: dt.date, days: int, open_ended: bool) -> Iterator[Window]:
    """``[start, stop)`` in windows of ``days`` (0: one window) counted back from ``stop``."""
    end, first = stop, True
    while True:
        begin = max(start, end - dt.timedelta(days=days)) if days else start
        yield Window(begin, end, open_ended and first)
        if begin <= start:
            return
        end, first = begin, False


def month_windows(first: dt.date, last: dt.date) -> Iterator[Window]:
    """The calendar months from ``first``'s to ``last``'s, newest first."""
    month = last.replace(day=1)
    while month >= first.replace(day=1):
        yield Window(month, (month + dt.timedelta(days=31)).replace(day=1))
        month = (month - ONE_DAY).replace(day=1)


def failed_request(failure: Failure) -> Request:
    # Scrapy sets .request on an errback's Failure; Twisted's class does not declare it.
    return failure.request  # type: ignore[attr-defined]


def body_dropped(failure: Failure) -> bool:
    """A body dropped while it was being decompressed: over the size limit, or cut short."""
    return bool(
        failure.check(TruncatedBody)
        or (failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(failure.value))
    )


def failure_reason(failure: Failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(IgnoreRequest):
        return str(failure.value)
    return f"{type(failure.value).__name__}: {failure.value}"


def _date_argument(name: str, value: str | None) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValueError(f"{name} must be YYYY-MM-DD, got {value!r}") from exc
