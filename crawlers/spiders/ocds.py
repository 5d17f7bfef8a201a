"""OCDS publishers: a base spider for paged package APIs, and the publishers declared on it."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any
from urllib.parse import urlencode

from scrapy import Request
from scrapy.http import Response

from crawlers import workers
from crawlers.parsers import compressed, ocds
from crawlers.spiders.base import Window, WindowedSpider

logger = logging.getLogger(__name__)


class OcdsSpider(WindowedSpider):
    """Fetches OCDS release or record packages, follows ``links.next`` and streams releases.

    A publisher is declared by ``endpoint``, the names of its date parameters and its default
    ``window_days`` (date windows: crawlers/spiders/base.py); ``cpv`` and ``keyword`` arguments
    (comma-separated) keep only matching releases when the API cannot filter. A page is parsed
    whole, a bulk file streamed (crawlers/parsers/ocds.py); a document's releases pass through
    the pipelines as one RecordBatch and are stored as the publisher wrote them (the build maps
    them onto notices).
    """

    endpoint: str = ""
    from_param: str | None = None
    until_param: str | None = None
    date_format: str = "%Y-%m-%dT00:00:00Z"
    params: dict[str, str] = {}

    def __init__(
        self,
        *args: Any,
        cpv: str | None = None,
        keyword: str | None = None,
        url: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.cpv_filter = tuple(c.strip()[:8] for c in (cpv or "").split(",") if c.strip())
        self.keyword_filter = tuple(
            k.strip().lower() for k in (keyword or "").split(",") if k.strip()
        )
        if url:
            self.endpoint = url
        self.parsers: int | None = None
        self._pool: ProcessPoolExecutor | None = None

    def first_url(self, window: Window | None = None) -> str:
        """The first page of a window, or of the whole crawl's one chain."""
        params = dict(self.params)
        if window is None:
            since, until = self.from_date, self.until_date
        else:
            since, until = window.start, None if window.open_ended else window.stop
        if since and self.from_param:
            params[self.from_param] = since.strftime(self.date_format)
        if until and self.until_param:
            params[self.until_param] = until.strftime(self.date_format)
        if not params:
            return self.endpoint
        return f"{self.endpoint}{'&' if '?' in self.endpoint else '?'}{urlencode(params)}"

    def windows(self) -> list[Window | None]:
        return super().windows() if self.from_param else [None]

    async def start(self):
        if not self.endpoint:
            raise ValueError(f"{self.name}: no endpoint (pass -a url=PACKAGE_URL)")
        async for request in super().start():
            yield request

    def window_request(self, window: Window | None) -> Request:
        return self.request(
            self.first_url(window), callback=self.parse, meta=self.window_meta(window)
        )

    async def parse(self, response: Response) -> AsyncIterator[Any]:
        package, records = await self.stored(response)
        for batch in self.batch_of(self.records_from(response, records)):
            yield batch
        if package.next_url and not self.sample_reached:
            yield self.request(
                package.next_url, callback=self.parse, meta=self.window_meta(response)
            )
        else:
            for request in self.window_ended():
                yield request

    async def stored(self, response: Response) -> tuple[ocds.Package, Iterable[dict]]:
        """A document's package and the records to store. With ``SURVREG_PARSE_PROCESSES``, a
        page that is parsed whole is parsed in a worker process, so that parsing and the crawl's
        own work use two cores; otherwise, and a larger or compressed document always, here."""
        body = response.body
        keep = (
            functools.partial(wanted, self.cpv_filter, self.keyword_filter)
            if self.cpv_filter or self.keyword_filter
            else None
        )
        whole = len(body) <= ocds.WHOLE_MAX_BYTES
        plain = compressed.container_of(body[: compressed.MAGIC_BYTES]) is None
        pool = self.parser() if whole and plain else None
        if pool is not None:
            try:
                page = await workers.run_in_process(pool, ocds.stored_page, body, self.name, keep)
            except BrokenProcessPool as exc:
                # A parser process that died (killed, out of memory) ends the pool: parse here.
                logger.error("parser process failed: source=%s reason=%s", self.name, exc)
                self.parsers = 0
            else:
                return page.package, page
        package = ocds.Package()
        return package, ocds.stored_records(io.BytesIO(body), self.name, package, keep)

    def parser(self) -> ProcessPoolExecutor | None:
        """The pool of parser processes, started when first asked for; None with none."""
        if self.parsers is None:
            self.parsers = self.settings.getint("SURVREG_PARSE_PROCESSES", 0)
        if self.parsers and self._pool is None:
            self._pool = workers.process_pool(self.parsers)
        return self._pool if self.parsers else None

    def closed(self, reason: str) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def wanted(cpv_filter: tuple[str, ...], keyword_filter: tuple[str, ...], item: dict) -> bool:
    """Whether a notice item matches the crawl's ``cpv`` and ``keyword`` arguments."""
    if cpv_filter and not any(str(c)[:8] in cpv_filter for c in item["cpv"]):
        return False
    if keyword_filter:
        text = f"{item.get('title') or ''} {item.get('description') or ''}".lower()
        return any(k in text for k in keyword_filter)
    return True


class ContractsFinderSpider(OcdsSpider):
    """UK Contracts Finder (Cabinet Office), OCDS search API; data under the Open Government
    Licence v3.0. Pages of up to 100 releases, newest first, linked by ``links.next``; 15-day
    windows counted back from ``until_date``, as Kingfisher Collect walks it."""

    name = "contracts-finder"
    endpoint = "https://www.contractsfinder.service.gov.uk/Published/Notices/OCDS/Search"
    from_param, until_param = "publishedFrom", "publishedTo"
    params = {"limit": "100"}
    window_days = 15


class FindATenderSpider(OcdsSpider):
    """UK Find a Tender service, OCDS release packages; Open Government Licence v3.0."""

    name = "find-a-tender"
    endpoint = "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages"
    from_param, until_param = "updatedFrom", "updatedTo"
    # The API documents YYYY-MM-DDTHH:MM:SS, at most 19 characters: no zone designator.
    date_format = "%Y-%m-%dT%H:%M:%S"
    params = {"limit": "100"}
    window_days = 15


class Sell2WalesSpider(OcdsSpider):
    """Sell2Wales (Welsh Government) notices API, OCDS output; Open Government Licence v3.0.
    One query per calendar month (``dateFrom=MM-YYYY``)."""

    name = "sell2wales"
    endpoint = "https://api.sell2wales.gov.wales/v1/Notices"
    from_param = "dateFrom"
    date_format = "%m-%Y"
    params = {"outputType": "0"}
    monthly = True


class PublicContractsScotlandSpider(OcdsSpider):
    """Public Contracts Scotland notices API, OCDS output; Open Government Licence v3.0.
    One query per calendar month (``dateFrom=MM-YYYY``)."""

    name = "public-contracts-scotland"
    endpoint = "https://api.publiccontractsscotland.gov.uk/v1/Notices"
    from_param = "dateFrom"
    date_format = "%m-%Y"
    params = {"outputType": "0"}
    monthly = True


class OcdsPackageSpider(OcdsSpider):
    """Any OCDS release or record package URL: ``scrapy crawl ocds-package -a url=URL``."""

    name = "ocds-package"
