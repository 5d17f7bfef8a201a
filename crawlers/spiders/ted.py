"""EU TED: Search API v3 (expert query, iteration paging) and daily OJ S packages."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers import reference
from crawlers.parsers import ted, ted_api, ted_package
from crawlers.parsers.errors import ParseError
from crawlers.spiders.base import ONE_DAY, Window, WindowedSpider

SEARCH_URL = "https://api.ted.europa.eu/v3/notices/search"
PACKAGE_URL = "https://ted.europa.eu/packages/daily/{issue}"


# Taxonomy CPV codes strong enough to search TED by (weaker ones need a keyword as well): read
# when a TED search starts, not when the module is loaded, as every crawl loads every spider.
CPV_ANCHOR_WEIGHT = 0.3
# Search terms for technologies without a CPV code of their own. The expert query has a length
# limit, so this is a short multilingual list; the build classifies with the whole taxonomy.
KEYWORDS = (
    "video surveillance",
    "video-surveillance",
    "cctv",
    "face recognition",
    "facial recognition",
    "number plate recognition",
    "licence plate recognition",
    "anpr",
    "body-worn camera",
    "body worn camera",
    "gunshot detection",
    "predictive policing",
    "videoüberwachung",
    "gesichtserkennung",
    "vidéosurveillance",
    "videosurveillance",
    "reconnaissance faciale",
    "videosorveglianza",
    "riconoscimento facciale",
    "videovigilancia",
    "reconocimiento facial",
    "videovigilância",
    "monitoring wizyjny",
    "nadzoru wizyjnego",
    "cameratoezicht",
    "kamerabevakning",
    "kameraövervakning",
    "videodohled",
    "kamerový systém",
)
SEARCH_FIELDS = (
    "publication-number",
    "notice-type",
    "form-type",
    "publication-date",
    "dispatch-date",
    "procedure-identifier",
    "notice-title",
    "buyer-name",
    "buyer-country",
    "classification-cpv",
    "winner-name",
    "winner-country",
    "total-value",
    "total-value-cur",
    "description-proc",
    "links",
)
PAGE_SIZE = 100
PACKAGE_MAXSIZE = 1024 * 1024 * 1024  # a daily package is a few hundred MB at most
_ISSUE = re.compile(r"^(?:(\d{4})(\d{5})|(\d{1,3})/(\d{4}))$")


def expert_query(
    cpv: tuple[str, ...], keywords: tuple[str, ...], from_date=None, until_date=None
) -> str:
    """A TED expert query: any anchor CPV or keyword, inside the publication-date bounds."""
    terms = []
    if cpv:
        terms.append(f"classification-cpv IN ({' '.join(cpv)})")
    terms += [f'FT ~ "{k}"' for k in keywords]
    query = f"({' OR '.join(terms)})"
    if from_date:
        query += f" AND publication-date >= {from_date:%Y%m%d}"
    if until_date:
        query += f" AND publication-date <= {until_date:%Y%m%d}"
    return query


def package_url(package: str) -> str:
    """A package URL as given, or the daily package of an OJ S issue ('202400015' or '15/2024')."""
    match = _ISSUE.match(package.strip())
    if not match:
        return package
    year, number = (
        (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
    )
    return PACKAGE_URL.format(issue=f"{year}{int(number):05d}")


class TedSpider(WindowedSpider):
    """TED notices about surveillance. Default: the v3 search API then each notice's XML, in
    30-day windows of publication dates, each its own iteration; ``-a package=URL|ISSUE`` reads
    one daily package instead, every member of it."""

    name = "ted"
    window_days = 30
    until_inclusive = True

    def __init__(self, *args: Any, package: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.package = package
        self.notices_requested = 0

    async def start(self):
        if self.package:
            yield self.request(
                package_url(self.package),
                callback=self.parse_package,
                meta={"download_maxsize": PACKAGE_MAXSIZE},
            )
        else:
            async for request in super().start():
                yield request

    def window_request(self, window: Window | None) -> scrapy.Request:
        return self.search_request(window, None)

    def search_request(self, window: Window | None, token: str | None) -> scrapy.Request:
        if window is None:
            since, until = self.from_date, self.until_date
        else:
            since, until = window.start, None if window.open_ended else window.stop - ONE_DAY
        body: dict[str, Any] = {
            "query": expert_query(
                reference.taxonomy_cpv_codes(CPV_ANCHOR_WEIGHT), KEYWORDS, since, until
            ),
            "fields": list(SEARCH_FIELDS),
            "limit": PAGE_SIZE,
            "paginationMode": "ITERATION",
        }
        if token:
            body["iterationNextToken"] = token
        return self.request(
            SEARCH_URL,
            method="POST",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
            callback=self.parse_search,
            dont_filter=True,
            meta=self.window_meta(window),
        )

    def parse_search(self, response: Response) -> Iterator[scrapy.Request]:
        window = response.meta.get("window")
        try:
            page = ted_api.search_page(response.body, self.real_url(response))
        except ParseError as exc:
            self.document_failed(self.real_url(response), str(exc), window=window)
            yield from self.window_ended()
            return
        for notice in page.notices:
            if self.sample is not None and self.notices_requested >= self.sample:
                return
            url = ted_api.xml_url(notice)
            if url:
                self.notices_requested += 1
                yield self.request(url, callback=self.parse_notice)
        if page.next_token and page.notices:
            yield self.search_request(window, page.next_token)
        else:
            yield from self.window_ended()

    def parse_notice(self, response: Response) -> Iterator[dict]:
        url = self.real_url(response)
        yield from self.records_from(response, ted.parse(response.body, url=url))

    def parse_package(self, response: Response) -> Iterator[dict]:
        url = self.real_url(response)
        # BytesIO over the body shares its buffer: the package is held once, members one at a time.
        for member in ted_package.iter_package(io.BytesIO(response.body)):
            if self.sample_reached:
                return
            if member.error:
                self.document_failed(f"{url}#{member.name}", member.error)
                continue
            for item in member.items:
                item["package_member"] = member.name
            yield from self.records_from(response, member.items)
