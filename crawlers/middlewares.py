"""Downloader middlewares and the DNS resolver that keep crawls safe and polite."""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawlers.address_guard import ForbiddenAddress, check_address, check_url

logger = logging.getLogger(__name__)


class AddressGuardMiddleware:
    """Refuses requests (redirects included: they pass here again) to non-public URLs."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.allow_loopback = crawler.settings.getbool("SURVREG_ALLOW_LOOPBACK")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        try:
            check_url(request.url, allow_loopback=self.allow_loopback)
        except ForbiddenAddress as exc:
            self.crawler.stats.inc_value("survreg/forbidden_address")
            logger.error(
                "refused request: source=%s url=%s reason=%s",
                getattr(self.crawler.spider, "name", "?"),
                request.url,
                exc,
            )
            raise IgnoreRequest(str(exc)) from exc


class GuardedResolver(CachingThreadedResolver):
    """Resolves host names and refuses answers that are private, link-local or loopback.

    The check happens on the address the connection will use, so a public-looking name that
    resolves to 127.0.0.1 or 169.254.169.254 is refused too.
    """

    allow_loopback = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_loopback = crawler.settings.getbool("SURVREG_ALLOW_LOOPBACK")
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred:  # noqa: N802
        deferred = super().getHostByName(name, timeout)
        deferred.addCallback(self._checked, name)
        return deferred

    def _checked(self, address: str, name: str) -> str:
        try:
            check_address(address, allow_loopback=self.allow_loopback)
        except ForbiddenAddress as exc:
            # Twisted replaces this error's text with "no results", so say it here.
            logger.error("refused address: host=%s resolves to a forbidden address: %s", name, exc)
            raise DNSLookupError(f"{name} resolves to a forbidden address: {exc}") from exc
        return address


class RetryAfterMiddleware:
    """Honours Retry-After on 429 and 503 by waiting (up to a cap) before retrying."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("SURVREG_RETRY_AFTER_MAX", 300.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (429, 503) or b"Retry-After" not in response.headers:
            return response
        header = response.headers.get(b"Retry-After", b"")
        # Checked present above, and a downloaded header always carries a value.
        assert header is not None
        wait = retry_after_seconds(header.decode("latin-1"))
        if wait is None or wait > self.max_wait:
            return response
        # Responses reach the middlewares only while the spider is open.
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=f"retry-after {response.status}"
        )
        if retry is None:
            return response
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        # Under the asyncio reactor a coroutine cannot await a bare Deferred.
        await maybe_deferred_to_future(deferLater(reactor, wait))
        return retry


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None.

    >>> retry_after_seconds("3")
    3.0
    >>> retry_after_seconds("soon") is None
    True
    """
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))
