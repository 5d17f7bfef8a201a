"""Fail at once on a host that did not resolve earlier in the crawl.

Without a network (or after a typo in a mirror URL), every later request to that host would wait
out its politeness delay only to fail the same way; a dry run of every source took minutes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import CannotResolveHostError


class UnresolvedHostMiddleware:
    """Remembers hosts whose lookup failed and fails their later requests without a download."""

    def __init__(self) -> None:
        self.unresolved: set[str] = set()

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname
        if host in self.unresolved:
            raise CannotResolveHostError(f"{host} did not resolve earlier in this crawl")

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, CannotResolveHostError) and (
            host := urlsplit(request.url).hostname
        ):
            self.unresolved.add(host)
