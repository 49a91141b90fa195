"""A very short-lived cache of answers to the lookups a policy row marks cacheable.

A tribunal registry checks the same certificate again and again; within a
second the answer cannot usefully differ, so the gateway answers a repeat
itself instead of asking the mediation service. The cache is per caller (the
key holds who asks, with their roles and office, and exactly what they ask),
it keeps only successful answers, and only after authentication and the
policy have passed, so it never answers anyone differently than the service
would have a moment before. A change made through this gateway (a revocation)
empties the cache of that service's answers at once; a change made through
another gateway replica is seen once the entry expires, so
`lookup_cache_seconds` bounds how stale a lookup can be.
"""

from __future__ import annotations

from typing import TypeVar

from ombuds_shared.cache import ExpiringCache

Answer = TypeVar("Answer")


class AnswerCache(ExpiringCache[Answer]):
    """Answers by caller and lookup, tagged with the service that gave them."""
