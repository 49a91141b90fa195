"""A short-lived cache of certificate lookups: the registry's hot path skips the database.

Certificates never change after issue except for their status (revocation or
re-issue), so a lookup's rendered JSON is kept for a few seconds. This process
forgets an entry as soon as it changes it; other replicas see the change when
their entry expires, so `max_age_seconds` bounds how stale a status can be.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable


class LookupCache:
    """Rendered lookups by key, each kept for at most `max_age_seconds` (0 disables it)."""

    def __init__(self, max_age_seconds: float, size: int = 10_000) -> None:
        self.max_age = max_age_seconds
        self.size = size
        # key -> (expiry, rendered JSON, the tribunal case number it is about)
        self._entries: OrderedDict[Hashable, tuple[float, bytes, str]] = OrderedDict()

    def get(self, key: Hashable) -> bytes | None:
        """The rendered lookup, if it is still fresh."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: Hashable, content: bytes, tribunal_case_number: str) -> None:
        """Keeps a rendered lookup about a tribunal case number."""
        if self.max_age <= 0:
            return
        self._entries[key] = (time.monotonic() + self.max_age, content, tribunal_case_number)
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, tribunal_case_number: str) -> None:
        """Drops every lookup about this tribunal case number: one of its certificates changed."""
        stale = [k for k, entry in self._entries.items() if entry[2] == tribunal_case_number]
        for key in stale:
            self._entries.pop(key, None)
