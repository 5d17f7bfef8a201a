"""Which URLs and addresses a crawl may reach: public http(s) only, loopback only when allowed."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# RFC 6052's well-known NAT64 prefix: the last 32 bits are the IPv4 address reached.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


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
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = embedded_ipv4(ip)
        if embedded is not None:
            try:
                check_address(embedded, allow_loopback=allow_loopback)
            except ForbiddenAddress:
                raise ForbiddenAddress(f"address {ip} embeds {embedded}, not public") from None
            return
        # Site-local (RFC 3879 deprecated it; Python 3.11 still calls it global).
        if ip.is_site_local:
            raise ForbiddenAddress(f"address {ip} is not a public address")
    if ip.is_loopback and allow_loopback:
        return
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        raise ForbiddenAddress(f"address {ip} is not a public address")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries traffic to: mapped, 6to4 or NAT64."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


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
