"""Politeness, through real crawls of local replays: Retry-After, robots.txt, the HTTP cache."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from crawlers import paths
from crawlers.archive import DocumentArchive
from crawlers.store import CrawlStore
from registry.crawl import run_crawl
from registry.replay import ReplayServer, Route
from tests.conftest import SNAPSHOT

CF = "contracts-finder"
SEARCH = "/Published/Notices/OCDS/Search"


class TimedReplay(ReplayServer):
    """A replay that answers the first search with ``first`` and remembers when each hit came."""

    def __init__(self, directory, first: dict | None = None):
        super().__init__(directory)
        self.first = Route(first) if first else None
        self.times: list[tuple[float, str]] = []

    def find(self, method, target, body):
        self.times.append((time.monotonic(), target))
        if self.first is not None and target.startswith(SEARCH):
            first, self.first = self.first, None
            return first
        return super().find(method, target, body)


class ConditionalReplay(ReplayServer):
    """A replay that answers 304 when a request's If-None-Match names its route's ETag."""

    def _handler(self):
        server = self

        class Handler(super()._handler()):
            def _conditional(self) -> None:
                route = server.find(self.command, self.path, b"")
                etag = (route or {}).get("headers", {}).get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    server.hits.append(f"{self.command} {self.path} 304")
                    self._send(304, b"", {"ETag": etag})
                else:
                    self._respond()

            do_GET = _conditional

        return Handler


@pytest.fixture
def cf_snapshot(tmp_path):
    directory = tmp_path / CF
    shutil.copytree(SNAPSHOT / CF, directory)
    return directory


def crawl(server: ReplayServer):
    result = run_crawl(
        CF,
        {"source_url": server.url},
        {"LOG_LEVEL": "INFO"},
        allow_loopback=True,
        timeout=180,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    store = CrawlStore(paths.crawl_db())
    run = store.runs(CF)[-1]
    store.close()
    return result, run


def test_429_with_retry_after_waits_then_retries(data_dir, cf_snapshot):
    too_many = {"path": SEARCH, "status": 429, "headers": {"Retry-After": "1"}, "body": "slow"}
    with TimedReplay(cf_snapshot, first=too_many) as server:
        _, run = crawl(server)
        searches = [t for t, target in server.times if target.startswith(SEARCH)]
    assert searches[1] - searches[0] >= 1.0
    assert run["records_new"] > 0 and run["finish_reason"] == "finished"


def test_robots_disallow_is_obeyed(data_dir, cf_snapshot):
    with ReplayServer(cf_snapshot) as server:
        server.add(path="/robots.txt", body="User-agent: *\nDisallow: /Published/\n")
        _, run = crawl(server)
        hits = list(server.hits)
    assert hits == ["GET /robots.txt"]
    assert run["records_new"] == 0
    # A refusal is a decision, not a failed window.
    assert run["errors"] == 0 and json.loads(run["error_samples"]) == []


def test_http_cache_skips_fresh_documents(data_dir, cf_snapshot):
    with ReplayServer(cf_snapshot) as server:
        for route in server.routes:
            route["headers"] = {"Cache-Control": "max-age=3600"}
        _, first = crawl(server)
        fetched = len([h for h in server.hits if h.startswith(f"GET {SEARCH}")])
        _, second = crawl(server)
        refetched = len([h for h in server.hits if h.startswith(f"GET {SEARCH}")])
    assert fetched == 2 and refetched == fetched
    assert (second["records_new"], second["records_unchanged"]) == (0, first["records_new"])
    assert (paths.data_dir() / "httpcache" / CF).is_dir()


def test_http_cache_revalidates_with_conditional_requests(data_dir, cf_snapshot):
    with ConditionalReplay(cf_snapshot) as server:
        for number, route in enumerate(server.routes):
            route["headers"] = {"ETag": f'"page-{number}"'}
        _, first = crawl(server)
        archived = sorted(DocumentArchive(paths.archive_dir()).documents())
        _, second = crawl(server)
        searches = [h for h in server.hits if h.startswith(f"GET {SEARCH}")]
    assert len(searches) == 4
    assert [h.endswith(" 304") for h in searches] == [False, False, True, True]
    assert (second["records_new"], second["records_unchanged"]) == (0, first["records_new"])
    assert sorted(DocumentArchive(paths.archive_dir()).documents()) == archived


def test_a_failed_request_is_one_fixed_log_line(data_dir):
    routes = [{"path": SEARCH, "status": 503, "body": "maintenance"}]
    with ReplayServer(routes=routes) as server:
        result, run = crawl(server)
    lines = [line for line in result.stderr.splitlines() if "failed request:" in line]
    assert len(lines) == 1
    assert lines[0].endswith(
        f"failed request: source={CF} url=https://www.contractsfinder.service.gov.uk{SEARCH}"
        "?limit=100 reason=HTTP 503"
    )
    assert run["errors"] == 1 and run["records_new"] == 0
