"""A test-only address guard: the crawl's first hop may be the loopback test server, nothing else.

Redirect tests need a reachable first server while loopback stays forbidden for every redirect.
That server listens on 127.0.0.2 (the rest of the tests, and the canaries, use 127.0.0.1). The real
guards decide everything except one allowance each: the middleware lets through requests that are
not redirects to the exact origin in ``SURVREG_TEST_FIRST_HOP``, and the resolver lets through that
origin's address and no other.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler

from crawlers.middlewares import AddressGuardMiddleware, GuardedResolver

FIRST_HOP_ADDRESS = "127.0.0.2"


class FirstHopGuard(AddressGuardMiddleware):
    """AddressGuardMiddleware with loopback allowed only for first hops to one origin."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.first_hop = crawler.settings.get("SURVREG_TEST_FIRST_HOP")
        assert not self.allow_loopback, "the first-hop guard is for crawls without loopback"

    def process_request(self, request: Request) -> None:
        origin = urlsplit(request.url)
        first = "redirect_urls" not in request.meta
        self.allow_loopback = first and f"{origin.scheme}://{origin.netloc}" == self.first_hop
        try:
            super().process_request(request)
        finally:
            self.allow_loopback = False


class FirstHopResolver(GuardedResolver):
    """GuardedResolver that lets the first-hop server's own address through, and only it."""

    def allows(self, address: str, name: str) -> bool:
        if address == FIRST_HOP_ADDRESS and name == FIRST_HOP_ADDRESS:
            return True
        return super().allows(address, name)

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> FirstHopResolver:
        resolver = super().from_crawler(crawler, reactor)
        assert not resolver.allow_loopback, "the first-hop resolver is for crawls without loopback"
        return resolver
