"""A short-lived cache of certificate lookups: the registry's hot path skips the database.

Certificates never change after issue except for their status (revocation or
re-issue), so a lookup's rendered JSON is kept for a few seconds. This process
forgets an entry as soon as it changes it; other replicas see the change when
their entry expires, so `max_age_seconds` bounds how stale a status can be.
"""

from __future__ import annotations

from ombuds_shared.cache import ExpiringCache


class LookupCache(ExpiringCache[bytes]):
    """Rendered lookups by key, tagged with the tribunal case number they are about."""
