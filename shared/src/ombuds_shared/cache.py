"""A small in-process cache whose entries expire, grouped by a tag so a change can drop a group.

Used where a hot lookup may be answered again for a moment without asking the
database or another service (the gateway's lookups, mediation's certificates).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = [
    "ExpiringCache",
]

Value = TypeVar("Value")


class ExpiringCache(Generic[Value]):
    """Values by key, each kept for at most `max_age_seconds` (0 disables the cache)."""

    def __init__(self, max_age_seconds: float, size: int = 10_000) -> None:
        self.max_age = max_age_seconds
        self.size = size
        # key -> (expiry, value, the tag of the group it belongs to)
        self._entries: OrderedDict[Hashable, tuple[float, Value, str]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_age > 0

    def get(self, key: Hashable) -> Value | None:
        """The value, if it is still fresh."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: Hashable, value: Value, tag: str = "") -> None:
        """Keeps a value, in the group `tag`; the oldest entries go beyond `size`."""
        if not self.enabled:
            return
        self._entries[key] = (time.monotonic() + self.max_age, value, tag)
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def forget(self, tag: str) -> None:
        """Drops every value of the group `tag`: something it was about changed."""
        for key in [k for k, entry in self._entries.items() if entry[2] == tag]:
            del self._entries[key]
