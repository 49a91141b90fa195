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

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

Answer = TypeVar("Answer")


class AnswerCache(Generic[Answer]):
    """Answers by key, each kept for at most `max_age_seconds` (0 disables the cache)."""

    def __init__(self, max_age_seconds: float, size: int = 10_000) -> None:
        self.max_age = max_age_seconds
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[float, Answer]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_age > 0

    def get(self, key: Hashable) -> Answer | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    def forget_service(self, service: str) -> None:
        """Drops every answer from one service (keys start with the service's name)."""
        for key in [k for k in self._entries if isinstance(k, tuple) and k[0] == service]:
            del self._entries[key]

    def put(self, key: Hashable, answer: Answer) -> None:
        if not self.enabled:
            return
        self._entries[key] = (time.monotonic() + self.max_age, answer)
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
