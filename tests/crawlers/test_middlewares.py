"""The resolver guard and Retry-After parsing, without a network."""

from __future__ import annotations

import pytest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawlers.middlewares import GuardedResolver, retry_after_seconds


@pytest.mark.parametrize(
    ("answer", "allowed"),
    [
        ("10.0.0.5", False),
        ("169.254.169.254", False),
        ("127.0.0.1", False),
        ("93.184.215.14", True),
    ],
)
def test_resolver_refuses_private_answers(monkeypatch, answer, allowed):
    monkeypatch.setattr(
        CachingThreadedResolver,
        "getHostByName",
        lambda self, name, timeout=(): defer.succeed(answer),
    )
    resolver = GuardedResolver.__new__(GuardedResolver)
    outcome = []
    resolver.getHostByName("innocent.example").addBoth(outcome.append)
    if allowed:
        assert outcome == [answer]
    else:
        assert outcome[0].check(DNSLookupError)
        assert "forbidden address" in str(outcome[0].value)


def test_retry_after_seconds_and_dates():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retry_after_seconds("later") is None
