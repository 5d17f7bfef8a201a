"""One fixed log line, and a counted stat, per request that failed for good (after retries)."""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

logger = logging.getLogger(__name__)
# Request meta: how many more times the spider itself retries this request when it fails for
# good here with an exception or a status the downloader retries (RETRY_HTTP_CODES); such a
# failure is the spider's to log and count (crawlers/spiders/base.py).
SPIDER_RETRIES = "spider_retries_left"


class FailedRequestMiddleware:
    """Sits outside the retry middlewares, so it sees only final answers and final exceptions."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.retry_codes = {int(c) for c in crawler.settings.getlist("RETRY_HTTP_CODES")}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailedRequestMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status >= 400:
            if not (response.status in self.retry_codes and request.meta.get(SPIDER_RETRIES)):
                self.failed(request, f"HTTP {response.status}")
        elif 300 <= response.status < 400 and b"Location" in response.headers:
            # The redirect middleware handed it back: its target is not one we follow.
            location_header = response.headers[b"Location"]
            # Checked present above, and a downloaded header always carries a value.
            assert location_header is not None
            location = location_header.decode("latin-1")
            self.failed(request, f"HTTP {response.status} to {location}: redirect not followed")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # Refusals (robots.txt, address guard) are decisions with their own log lines.
        if not isinstance(exception, IgnoreRequest) and not request.meta.get(SPIDER_RETRIES):
            self.failed(request, f"{type(exception).__name__}: {exception}")

    def failed(self, request: Request, reason: str) -> None:
        # robots.txt may be missing: Scrapy then crawls as allowed, which is no failure.
        if request.url.endswith("/robots.txt"):
            return
        self.crawler.stats.inc_value("survreg/failed_requests")
        logger.error(
            "failed request: source=%s url=%s reason=%s",
            getattr(self.crawler.spider, "name", "?"),
            request.meta.get("real_url") or request.url,
            reason,
        )
