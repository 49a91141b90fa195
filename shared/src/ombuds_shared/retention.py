"""What every service's retention schedule shares: its cutoff, its report, its actor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ombuds_shared.tokens import Actor

# Who destroys under the schedule, in audit logs and destruction records.
RETENTION_ACTOR = Actor("system:retention", frozenset({"system"}))


@dataclass
class RetentionReport:
    """What a run found due, destroyed, or could not finish (to be retried next run)."""

    dry_run: bool
    cutoff: dt.datetime
    due: list[str] = field(default_factory=list)
    destroyed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def cutoff_for(now: dt.datetime, months: int) -> dt.datetime:
    """The moment `months` calendar months before `now` (clamped to the month's last day)."""
    month_index = now.year * 12 + now.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(now.day, 27, -1):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return now.replace(year=year, month=month, day=min(now.day, 28))
