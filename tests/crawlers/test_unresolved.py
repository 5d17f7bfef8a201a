"""A host whose name did not resolve fails its later requests at once, without retries or waits."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings

from crawlers.unresolved import UnresolvedHostMiddleware


def test_a_host_that_did_not_resolve_is_not_asked_again():
    middleware = UnresolvedHostMiddleware()
    robots = Request("https://overpass-api.de/robots.txt")
    assert middleware.process_request(robots) is None
    middleware.process_exception(robots, CannotResolveHostError("no results"))
    with pytest.raises(CannotResolveHostError, match="overpass-api.de did not resolve earlier"):
        middleware.process_request(Request("https://overpass-api.de/api/interpreter"))
    # Other hosts, and other failures, are left alone.
    assert middleware.process_request(Request("https://api.ted.europa.eu/v3/")) is None
    middleware.process_exception(Request("https://api.ted.europa.eu/v3/"), TimeoutError())
    assert middleware.process_request(Request("https://api.ted.europa.eu/v3/")) is None


def test_a_failed_lookup_is_not_retried_and_the_middleware_is_installed():
    settings = get_project_settings()
    retried = tuple(
        load_object(e) if isinstance(e, str) else e for e in settings["RETRY_EXCEPTIONS"]
    )
    assert not issubclass(CannotResolveHostError, retried)
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    # Outside the retry middleware (550), inside the failure log (500).
    assert 500 < middlewares["crawlers.unresolved.UnresolvedHostMiddleware"] < 550
