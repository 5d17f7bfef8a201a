"""Which URLs and addresses a crawl may reach: public http(s) only, loopback only when allowed."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenAddress(Exception):
    """A URL or resolved address the crawl must not reach."""


def literal_ip(host: str) -> IPAddress | None:
    """The IP a host literally names, in any spelling inet_aton accepts (decimal, octal, short)."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def check_address(address: IPAddress | str, *, allow_loopback: bool = False) -> None:
    """Raise ForbiddenAddress unless the address is public (or loopback, when allowed)."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and allow_loopback:
        return
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        raise ForbiddenAddress(f"address {ip} is not a public address")


def check_url(url: str, *, allow_loopback: bool = False) -> None:
    """Raise ForbiddenAddress for a non-http(s) URL or one whose host is a forbidden literal IP."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise ForbiddenAddress(f"scheme {parts.scheme or '(none)'!r} is not http(s): {url}")
    host = parts.hostname
    if not host:
        raise ForbiddenAddress(f"no host in {url}")
    ip = literal_ip(host)
    if ip is not None:
        check_address(ip, allow_loopback=allow_loopback)
    elif host.rstrip(".").lower() == "localhost" or host.lower().endswith(".localhost"):
        if not allow_loopback:
            raise ForbiddenAddress(f"host {host} is loopback")
