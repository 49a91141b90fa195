"""Where a webhook may go: public addresses, or networks the configuration allow-lists.

A destination is checked when it is subscribed and again at every delivery, since a
name may resolve elsewhere by then; the delivery connects only to the addresses that
passed (`CheckedResolver`), so a name cannot change between the check and the connect.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class DestinationRefused(Exception):
    """The URL is not one a webhook may be sent to; the message says why (no secret in it)."""


def parse_networks(specs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)


def check_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL without credentials or fragment."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DestinationRefused("The destination must be an http or https URL with a host.")
    if parts.username or parts.password:
        raise DestinationRefused("The destination URL may not hold credentials.")
    if parts.fragment:
        raise DestinationRefused("The destination URL may not hold a fragment.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise DestinationRefused("The destination URL has an invalid port.") from exc
    return parts.hostname, port


# IPv6 prefixes that reach IPv4 networks through translation or tunnels (NAT64, 6to4, Teredo,
# IPv4-compatible, SIIT) or are the deprecated site-local range: `is_global` calls some of
# them global, yet behind them may lie the private networks refused above.
_TRANSLATED = tuple(
    ipaddress.ip_network(prefix)
    for prefix in (
        "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32", "::/96",
        "::ffff:0:0:0/96", "fec0::/10",
    )
)  # fmt: skip


def check_address(address: Address, allowed: tuple[Network, ...]) -> None:
    if any(address in network for network in allowed):
        return
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        check_address(mapped, allowed)
        return
    translated = address.version == 6 and any(address in prefix for prefix in _TRANSLATED)
    if translated or not address.is_global or address.is_multicast:
        raise DestinationRefused(
            "The destination resolves to a private, loopback or reserved address that the "
            "configuration does not allow (OMBUDS_MEDIATION_WEBHOOK_ALLOWED_NETWORKS)."
        )


async def resolve_checked(host: str, port: int, allowed: tuple[Network, ...]) -> list[Address]:
    """The addresses of `host`, each checked; refused if any is not allowed (a name that
    also points inward is refused whole)."""
    try:
        return [_checked(ipaddress.ip_address(host), allowed)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DestinationRefused("The destination's host name does not resolve.") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise DestinationRefused("The destination's host name does not resolve.")
    for address in addresses:
        check_address(address, allowed)
    return addresses


def _checked(address: Address, allowed: tuple[Network, ...]) -> Address:
    check_address(address, allowed)
    return address


async def check_destination(url: str, allowed: tuple[Network, ...]) -> None:
    host, port = check_url(url)
    await resolve_checked(host, port, allowed)


class CheckedResolver(AbstractResolver):
    """aiohttp's resolver, returning only allowed addresses (refusing the name otherwise)."""

    def __init__(self, allowed: tuple[Network, ...]) -> None:
        self.allowed = allowed
        self.inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        for result in results:
            check_address(ipaddress.ip_address(result["host"].split("%", 1)[0]), self.allowed)
        return results

    async def close(self) -> None:
        await self.inner.close()
