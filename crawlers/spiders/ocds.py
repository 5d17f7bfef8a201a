"""OCDS publishers: a base spider for paged package APIs, and the publishers declared on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy import Request
from scrapy.http import Response

from crawlers.parsers import ocds
from crawlers.spiders.base import Window, WindowedSpider


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

    def parse(self, response: Response) -> Iterator[Any]:
        package = ocds.Package()
        keep = self.wanted if self.cpv_filter or self.keyword_filter else None
        records = ocds.stored_records(response.body, self.name, package, keep)
        yield from self.batch_of(self.records_from(response, records))
        if package.next_url and not self.sample_reached:
            yield self.request(
                package.next_url, callback=self.parse, meta=self.window_meta(response)
            )
        else:
            yield from self.window_ended()

    def wanted(self, item: dict) -> bool:
        """Whether a notice item matches the crawl's ``cpv`` and ``keyword`` arguments."""
        if self.cpv_filter and not any(str(c)[:8] in self.cpv_filter for c in item["cpv"]):
            return False
        if self.keyword_filter:
            text = f"{item.get('title') or ''} {item.get('description') or ''}".lower()
            return any(k in text for k in self.keyword_filter)
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
