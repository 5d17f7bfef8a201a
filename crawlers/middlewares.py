"""Downloader middlewares and the DNS resolver that keep crawls safe and polite."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Sequence
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.resolver import CachingHostnameResolver
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver
from zope.interface import implementer

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


class GuardedResolver(CachingHostnameResolver):
    """Resolves host names to IPv4 and IPv6 addresses and drops those that are not public.

    The check happens on the addresses the connection will use, so a public-looking name whose
    A or AAAA records point at 127.0.0.1, ::1, fd00::/8 or 169.254.169.254 is refused too; a name
    left with no address fails as a DNS lookup. A lookup gives up after ``DNS_TIMEOUT`` seconds.
    """

    allow_loopback = False
    timeout = 20.0

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_loopback = crawler.settings.getbool("SURVREG_ALLOW_LOOPBACK")
        resolver.timeout = crawler.settings.getfloat("DNS_TIMEOUT", cls.timeout)
        return resolver

    def resolveHostName(  # noqa: N802 (Twisted's interface)
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        return super().resolveHostName(
            # Without zope's mypy plugin, declaring the interface is invisible to mypy.
            _GuardedReceiver(resolutionReceiver, hostName, self),  # type: ignore[arg-type]
            hostName,
            portNumber,
            addressTypes,
            transportSemantics,
        )

    def allows(self, address: str, name: str) -> bool:
        """Whether ``name`` may be reached at ``address``; a refusal is logged."""
        try:
            check_address(address, allow_loopback=self.allow_loopback)
        except ForbiddenAddress as exc:
            # Twisted reports a name left without addresses as "no results", so say it here.
            logger.error("refused address: host=%s resolves to a forbidden address: %s", name, exc)
            return False
        return True


@implementer(IResolutionReceiver)
class _GuardedReceiver:
    """Passes on the addresses the guard allows, until the lookup completes or times out."""

    def __init__(self, receiver: Any, name: str, resolver: GuardedResolver):
        # Any: zope interfaces declare their methods without self, which mypy cannot call.
        self.receiver, self.name, self.resolver = receiver, name, resolver
        self.timer: Any = None
        self.complete = False

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802
        self.receiver.resolutionBegan(resolution)
        if not self.complete and self.resolver.timeout:
            self.timer = self.resolver.reactor.callLater(self.resolver.timeout, self._timed_out)

    def addressResolved(self, address: Any) -> None:  # noqa: N802
        if not self.complete and self.resolver.allows(address.host, self.name):
            self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        if not self.complete:
            self.complete = True
            self.receiver.resolutionComplete()

    def _timed_out(self) -> None:
        logger.error("DNS lookup timed out: host=%s after %s s", self.name, self.resolver.timeout)
        self.timer = None
        self.resolutionComplete()


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
