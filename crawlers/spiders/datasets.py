"""Open datasets as sources: the Atlas of Surveillance CSV, the N&O Flock CSVs, OSM via Overpass,
CISA's Known Exploited Vulnerabilities catalog."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from crawlers.parsers import datasets, kev
from crawlers.parsers.datasets.csvrows import RowProblem
from crawlers.spiders.base import MAX_ERROR_SAMPLES, SourceSpider

logger = logging.getLogger(__name__)
PRIVATE_EYES = (
    "https://raw.githubusercontent.com/mcclatchy-southeast/private_eyes/"
    "00f29cadee8db87cb3b387caab15ab15aae893ad/data/"
)
# ISO 3166-1 alpha-2 ("CH") or ISO 3166-2 ("CH-GE"): the codes OSM puts on boundary relations.
_AREA = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?")


class DatasetSpider(SourceSpider):
    """Downloads whole dataset files (``urls``; ``-a url=URL`` replaces them) and parses them."""

    urls: tuple[str, ...] = ()

    def __init__(self, *args: Any, url: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if url:
            self.urls = (url,)

    async def start(self):
        for url in self.urls:
            yield self.request(url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[dict]:
        problems: list[RowProblem] = []
        items = datasets.parse(
            response.body, url=self.real_url(response), problems=problems, **self.parse_arguments()
        )
        yield from self.records_from(response, items)
        for problem in problems:
            self.row_failed(problem)

    def parse_arguments(self) -> dict[str, Any]:
        return {}

    def row_failed(self, problem: RowProblem) -> None:
        """One fixed log line and a counted error for a row that could not be read."""
        logger.error("unreadable row: source=%s %s", self.name, problem)
        stats = self.crawler.stats
        stats.inc_value("survreg/parse_errors")
        samples = stats.get_value("survreg/error_samples") or []
        if len(samples) < MAX_ERROR_SAMPLES:
            stats.set_value("survreg/error_samples", [*samples, str(problem)])


class AtlasOfSurveillanceSpider(DatasetSpider):
    """EFF Atlas of Surveillance, the full CSV export; CC BY 4.0."""

    name = "atlas-of-surveillance"
    urls = ("https://atlasofsurveillance.org/download.csv",)


class FlockTransparencySpider(DatasetSpider):
    """The News & Observer "Private Eyes" CSVs (pinned to the commit recorded); MIT, credit N&O.

    Portal usage, the NC survey, the portals' policy texts and the paper's agency list.
    """

    name = "flock-transparency"
    urls = (
        f"{PRIVATE_EYES}latest_usage04262023.csv",
        f"{PRIVATE_EYES}nc_agency_survey20240430.csv",
        f"{PRIVATE_EYES}agency_policies.csv",
        f"{PRIVATE_EYES}agency20240426.csv",
    )


class OsmSurveillanceSpider(DatasetSpider):
    """OpenStreetMap ``man_made=surveillance`` in one area through the Overpass API; ODbL 1.0.

    ``-a area=CH`` (ISO 3166-1 alpha-2, or ISO 3166-2 such as ``CH-GE``) chooses the area;
    ``from_date`` asks only for elements changed since; ``-a url=`` names another Overpass server.
    """

    name = "osm-surveillance"
    urls = ("https://overpass-api.de/api/interpreter",)
    custom_settings = {"DOWNLOAD_TIMEOUT": 400}  # the query's own [timeout:300], plus transfer

    def __init__(self, *args: Any, area: str = "CH", **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not _AREA.fullmatch(area):
            raise ValueError(f"area must be an ISO 3166 code such as CH or CH-GE, got {area!r}")
        self.area = area

    def query(self) -> str:
        """Overpass QL: surveillance nodes, ways and relations (ways with a centre) in the area."""
        key = "ISO3166-1" if len(self.area) == 2 else "ISO3166-2"
        newer = f'(newer:"{self.from_date.isoformat()}T00:00:00Z")' if self.from_date else ""
        return (
            f'[out:json][timeout:300];area["{key}"="{self.area}"]["boundary"="administrative"]'
            f'->.a;nwr["man_made"="surveillance"](area.a){newer};out center tags;'
        )

    async def start(self):
        for url in self.urls:
            yield self.request(
                url,
                method="POST",
                callback=self.parse,
                body=urlencode({"data": self.query()}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )

    def parse_arguments(self) -> dict[str, Any]:
        return {"format": "osm-overpass-json", "area": self.area}


class KnownExploitedVulnerabilitiesSpider(DatasetSpider):
    """CISA Known Exploited Vulnerabilities catalog, the whole JSON feed; CC0 1.0.

    Every entry is stored; the build keeps those whose vendor is one of the registry's.
    """

    name = "cisa-kev"
    urls = ("https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",)

    def parse(self, response: Response) -> Iterator[dict]:
        yield from self.records_from(
            response, kev.parse(response.body, url=self.real_url(response))
        )
