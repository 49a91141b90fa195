"""Per-client rate limits: a token bucket per caller, answered with 429 and Retry-After.

Limits are per gateway replica (kept in memory); with N replicas behind a
balancer a client gets at most N times the rate, which the limits allow for.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from ombuds_shared.errors import TooManyRequests

# One holder of an IPv6 network gets a whole /64 (2^64 addresses): limiting each address
# alone would limit nobody, so an IPv6 client is limited by its /64.
_IPV6_CLIENT_PREFIX = 64


def client_key(host: str | None) -> str:
    """The key an unauthenticated client is limited by: its IPv4 address, or its IPv6 /64."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, _IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate` requests a second on average, bursts up to `burst`, per key."""

    def __init__(
        self,
        rate: float,
        burst: int,
        max_keys: int = 100_000,
        detail: str = "Slow down: too many requests from this client.",
    ) -> None:
        self.detail = detail
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def check(self, key: str) -> None:
        """Takes one token for `key`, or raises TooManyRequests saying when to retry."""
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens < 1:
            wait = math.ceil((1 - bucket.tokens) / self.rate)
            raise TooManyRequests(self.detail, retry_after=wait)
        bucket.tokens -= 1
