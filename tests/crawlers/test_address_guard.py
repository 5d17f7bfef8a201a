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
