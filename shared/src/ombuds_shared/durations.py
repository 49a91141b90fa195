"""The classes in which a closing duration (days open, days since the start) reaches
analytics: whole weeks, also cut after 30, 90 and 180 days so that a share within those
thresholds read off the classes is exact. The gateway sends each duration as the first day
of its class (gateway.events.durations, which also merges classes at the months' extremes);
analytics refuses any other value."""

from __future__ import annotations

__all__ = [
    "class_end",
    "class_start",
]

WEEK = 7
# The first day beyond each published threshold (within 30, 90, 180 days) starts a class.
THRESHOLD_STARTS = (31, 91, 181)


def class_start(days: int) -> int:
    """The first day of the class that holds `days`."""
    return max(WEEK * (days // WEEK), *(t for t in THRESHOLD_STARTS if t <= days), 0)


def class_end(start: int) -> int:
    """The last day of the class that starts on `start`."""
    return min([WEEK * (start // WEEK) + WEEK - 1, *(t - 1 for t in THRESHOLD_STARTS if t > start)])
