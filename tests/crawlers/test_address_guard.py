"""Which URLs a crawl may reach."""

from __future__ import annotations

import pytest

from crawlers.address_guard import ForbiddenAddress, check_address, check_url, literal_ip


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:10.0.0.1]/",
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://127.1/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
        "data:text/plain,hi",
        "ftp://ftp.example.org/",
        "gopher://x/",
        "http://100.64.0.1/",
        "http://[fe80::1]/",
    ],
)
def test_private_addresses_and_other_schemes_are_refused(url):
    with pytest.raises(ForbiddenAddress):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://ted.europa.eu/en/",
        "http://93.184.215.14/x",
        "https://www.contractsfinder.service.gov.uk/Published",
    ],
)
def test_public_http_urls_pass(url):
    check_url(url)


def test_loopback_only_when_allowed_and_never_link_local():
    check_url("http://127.0.0.1:8000/", allow_loopback=True)
    check_url("http://localhost:8000/", allow_loopback=True)
    with pytest.raises(ForbiddenAddress):
        check_url("http://169.254.169.254/", allow_loopback=True)
    with pytest.raises(ForbiddenAddress):
        check_address("10.0.0.1", allow_loopback=True)


def test_literal_ip_reads_every_spelling():
    assert str(literal_ip("2130706433")) == "127.0.0.1"
    assert str(literal_ip("0177.0.0.1")) == "127.0.0.1"
    assert str(literal_ip("[::ffff:10.0.0.1]")) == "::ffff:a00:1"
    assert literal_ip("ted.europa.eu") is None


@pytest.mark.parametrize(
    "address",
    [
        "fec0::1",  # site-local, deprecated but still routed inside some networks
        "feff::1",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:c0a8:101::",  # 6to4 of 192.168.1.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",
        "2001::1",  # Teredo
        "fd00::1",
    ],
)
def test_ipv6_spellings_of_private_networks_are_refused(address):
    with pytest.raises(ForbiddenAddress):
        check_address(address)
    with pytest.raises(ForbiddenAddress):
        check_url(f"http://[{address}]/")


def test_6to4_and_nat64_of_a_public_address_pass():
    check_address("2002:5db8:d70e::1")  # 6to4 of 93.184.215.14
    check_address("64:ff9b::5db8:d70e")
    check_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c")


def test_6to4_of_loopback_follows_the_loopback_allowance():
    check_address("2002:7f00:1::1", allow_loopback=True)
    with pytest.raises(ForbiddenAddress, match="embeds 10.0.0.1"):
        check_address("2002:a00:1::1", allow_loopback=True)
