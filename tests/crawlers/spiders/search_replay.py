"""A replay of Contracts Finder's OCDS search that answers any date range, page by page.

The releases are the 100 real ones of the recorded search page (registry/demo_snapshot), with
**made-up** publication dates spread over 2022 (the recording's own are all one day): the API's
documented behaviour (publishedFrom/publishedTo bounds, newest first, ``links.next`` with a
cursor) needs releases on many days.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit

from registry.replay import ReplayServer, Route
from tests.conftest import SNAPSHOT

REAL = "https://www.contractsfinder.service.gov.uk"
SEARCH = "/Published/Notices/OCDS/Search"
FROM, UNTIL = dt.date(2022, 1, 1), dt.date(2022, 12, 31)


def dated_releases(boundary: dt.datetime | None = None) -> list[dict]:
    """The recorded releases, one every 87 hours from 2022-01-01T10:00Z; the 51st published at
    ``boundary`` (an instant two windows share) when one is given."""
    page = json.loads((SNAPSHOT / "contracts-finder" / "search-page-1.json").read_bytes())
    releases = page["releases"]
    start = dt.datetime(2022, 1, 1, 10, tzinfo=dt.UTC)
    for number, release in enumerate(releases):
        when = start + dt.timedelta(hours=87 * number)
        if boundary is not None and number == 50:
            when = boundary
        release["date"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return releases


class SearchReplay(ReplayServer):
    """Releases published within a request's [publishedFrom, publishedTo], newest first,
    ``page_size`` a page; ``fail`` maps a (publishedFrom, cursor) pair to how many times that page
    answers 500 before it answers. Counts pages served and requests in flight at once."""

    def __init__(
        self,
        releases: list[dict],
        page_size: int = 3,
        fail: dict[tuple[str, int], int] | None = None,
        hold: float = 0.0,
    ):
        super().__init__()
        self.releases = sorted(releases, key=lambda r: r["date"], reverse=True)
        self.page_size = page_size
        self.fail = dict(fail or {})
        self.hold = hold
        self.served: Counter[tuple[str | None, str | None, int]] = Counter()
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0

    def find(self, method: str, target: str, body: bytes) -> Route | None:
        parts = urlsplit(target)
        if parts.path != SEARCH:
            return None
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.hold:
                time.sleep(self.hold)
            return self.page(dict(parse_qsl(parts.query)))
        finally:
            with self.lock:
                self.in_flight -= 1

    def page(self, query: dict[str, str]) -> Route:
        since, until = query.get("publishedFrom"), query.get("publishedTo")
        offset = int(base64.b64decode(query["cursor"])) if "cursor" in query else 0
        key = (since or "", offset)
        with self.lock:
            if self.fail.get(key, 0) > 0:
                self.fail[key] -= 1
                return Route(path=SEARCH, status=500, body="busy")
            self.served[since, until, offset] += 1
        selected = [
            r
            for r in self.releases
            if (since is None or r["date"] >= since) and (until is None or r["date"] <= until)
        ]
        package = {
            "uri": f"{REAL}{SEARCH}?{urlencode(query)}",
            "license": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "releases": selected[offset : offset + self.page_size],
            "links": {},
        }
        if offset + self.page_size < len(selected):
            cursor = base64.b64encode(str(offset + self.page_size).encode()).decode()
            params = {k: v for k, v in query.items() if k != "cursor"}
            package["links"] = {"next": f"{REAL}{SEARCH}?{urlencode({**params, 'cursor': cursor})}"}
        return Route(
            path=SEARCH, body=json.dumps(package), headers={"Content-Type": "application/json"}
        )

    def windows(self) -> list[tuple[str | None, str | None]]:
        """The (publishedFrom, publishedTo) of every first page served, oldest first."""
        return sorted({(s, u) for s, u, offset in self.served if offset == 0}, key=str)
