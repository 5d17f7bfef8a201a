"""The base of every source spider: operator arguments, mirrors, and fail-soft parsing."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.integrity import TruncatedBody
from crawlers.parsers.errors import ParseError

logger = logging.getLogger(__name__)
MAX_ERROR_SAMPLES = 20


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
        return scrapy.Request(self.mirrored(url), meta=meta, **kwargs)

    def request_failed(self, failure: Failure) -> None:
        """Count a body dropped while it was being decompressed: over the size limit, or cut short.

        Other failures are logged and counted by FailedRequestMiddleware; these are raised on the
        way back from the download and never reach that middleware.
        """
        if failure.check(TruncatedBody) or (
            failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(failure.value)
        ):
            # Scrapy sets .request on an errback's Failure; Twisted's class does not declare it.
            request = failure.request  # type: ignore[attr-defined]
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
                self.document_failed(url, str(exc))
                return
            item.setdefault("source", self.name)
            item["document_url"] = url
            item["document_sha256"] = response.meta.get("document_sha256")
            self.records_yielded += 1
            yield item

    def document_failed(self, url: str, reason: str) -> None:
        """One fixed log line and a counted error for a document that could not be parsed."""
        logger.error("failed document: source=%s url=%s reason=%s", self.name, url, reason)
        stats = self.crawler.stats
        stats.inc_value("survreg/parse_errors")
        samples = stats.get_value("survreg/error_samples") or []
        if len(samples) < MAX_ERROR_SAMPLES:
            stats.set_value("survreg/error_samples", [*samples, f"{url}: {reason}"])


def _date_argument(name: str, value: str | None) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValueError(f"{name} must be YYYY-MM-DD, got {value!r}") from exc
