"""The resolver guard and Retry-After parsing, without a network."""

from __future__ import annotations

import pytest
from scrapy.resolver import HostResolution
from scrapy.utils.test import get_crawler
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from twisted.internet.task import Clock
from zope.interface import implementer

from crawlers.middlewares import GuardedResolver, retry_after_seconds


class FakeReactor(Clock):
    """A clock whose name resolver answers from a table of A and AAAA records, or never."""

    def __init__(self, answers: dict[str, list[str]]):
        super().__init__()
        reactor = self

        @implementer(IHostnameResolver)
        class NameResolver:
            def resolveHostName(self, receiver, name, port=0, types=None, semantics="TCP"):  # noqa: N802
                resolution = HostResolution(name)
                receiver.resolutionBegan(resolution)
                if name in answers:
                    for host in answers[name]:
                        kind = IPv6Address if ":" in host else IPv4Address
                        receiver.addressResolved(kind("TCP", host, port))
                    receiver.resolutionComplete()
                reactor.pending = receiver
                return resolution

        self.nameResolver = NameResolver()


@implementer(IResolutionReceiver)
class Receiver:
    def __init__(self):
        self.addresses: list[str] = []
        self.complete = False

    def resolutionBegan(self, resolution):  # noqa: N802
        pass

    def addressResolved(self, address):  # noqa: N802
        self.addresses.append(address.host)

    def resolutionComplete(self):  # noqa: N802
        self.complete = True


def resolve(name: str, answers: dict[str, list[str]], **settings) -> tuple[Receiver, FakeReactor]:
    reactor = FakeReactor(answers)
    crawler = get_crawler(settings_dict={"DNSCACHE_ENABLED": False, **settings})
    resolver = GuardedResolver.from_crawler(crawler, reactor)
    receiver = Receiver()
    resolver.resolveHostName(receiver, name, 443)
    return receiver, reactor


@pytest.mark.parametrize(
    ("answers", "kept"),
    [
        (["10.0.0.5"], []),
        (["169.254.169.254"], []),
        (["127.0.0.1"], []),
        (["93.184.215.14"], ["93.184.215.14"]),
        (["::1"], []),
        (["fd00::5"], []),
        (["fe80::1"], []),
        (["fec0::1"], []),
        (["2002:7f00:1::1"], []),
        (["::ffff:10.0.0.1"], []),
        (["2606:2800:21f:cb07:6820:80da:af6b:8b2c"], ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]),
        # A name with a public A record and a private AAAA record reaches the public one only.
        (["93.184.215.14", "fd00::5"], ["93.184.215.14"]),
        (["fd00::5", "2606:2800:21f:cb07::1"], ["2606:2800:21f:cb07::1"]),
    ],
)
def test_resolver_resolves_a_and_aaaa_and_drops_what_is_not_public(answers, kept, caplog):
    receiver, _ = resolve("innocent.example", {"innocent.example": answers})
    assert receiver.complete
    assert receiver.addresses == kept
    refused = [a for a in answers if a not in kept]
    assert len([r for r in caplog.messages if "forbidden address" in r]) == len(refused)


def test_resolver_allows_loopback_only_when_told():
    answers = {"localhost": ["127.0.0.1", "::1", "10.0.0.1"]}
    receiver, _ = resolve("localhost", answers, SURVREG_ALLOW_LOOPBACK=True)
    assert receiver.addresses == ["127.0.0.1", "::1"]


def test_a_lookup_that_never_answers_times_out(caplog):
    receiver, reactor = resolve("silent.example", {}, DNS_TIMEOUT=5)
    reactor.advance(4)
    assert not receiver.complete
    reactor.advance(2)
    assert receiver.complete and receiver.addresses == []
    assert "DNS lookup timed out: host=silent.example after 5.0 s" in caplog.messages
    # A late answer after the timeout changes nothing.
    reactor.pending.addressResolved(IPv4Address("TCP", "93.184.215.14", 443))
    assert receiver.addresses == []


def test_retry_after_seconds_and_dates():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retry_after_seconds("later") is None
