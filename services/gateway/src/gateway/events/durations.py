"""Closing durations (days open, days since the start) coarsened so that, with the two months
analytics also holds, they never pin a case to its days.

Analytics knows the month a case opened and the month it closed. An exact day count
between them pins both days at the months' edges (opened 1 January, closed 28 February:
58 days fits that pair alone) and narrows them elsewhere. So a duration passes as the
first day of its class: whole weeks (0-6, 7-13, ...), cut also after 30, 90 and 180 days so
that "within 30/90/180 days" stays exact for a class. A class that, within these two
months, holds fewer than MIN_PAIRS (opening day, closing day) pairs (only at the months'
extremes: the longest and shortest durations the months allow) passes as its neighbour
towards the middle. Every value analytics sees is then shared by at least MIN_PAIRS pairs
of days.

The price: a case in such a merged class is counted one class nearer the months' middle,
so at those extremes a share within 30, 90 or 180 days may count it on the other side.
That cannot be avoided: opened 1 July and closed 30 September is the only pair of those
months more than 90 days apart, so any exact "beyond 90 days" would name its days.
"""

from __future__ import annotations

import calendar
import datetime as dt

from ombuds_shared.durations import class_end, class_start

# At least this many (opening day, closing day) pairs share every value sent.
MIN_PAIRS = 7
# Every class is a week or shorter, and a month pair spans dozens of classes: a few steps
# towards the middle always find MIN_PAIRS pairs. The bound only keeps the loop finite.
_MAX_STEPS = 8


def _month(day: dt.date) -> tuple[int, int]:
    """The month of `day` as the ordinals of its first and last days."""
    first = day.replace(day=1)
    return first.toordinal(), first.toordinal() + calendar.monthrange(day.year, day.month)[1] - 1


def _pairs(opening: tuple[int, int], closing: tuple[int, int], days: int) -> int:
    """How many (opening day, closing day) pairs of these months are `days` apart."""
    earliest = max(opening[0], closing[0] - days)
    latest = min(opening[1], closing[1] - days)
    return max(0, latest - earliest + 1)


def coarsen(days: int, ends_on: dt.date) -> int:
    """`days` (a duration ending on `ends_on`) as analytics may hold it: the first day of
    its class, or of the class it is merged into (see the module's docstring)."""
    opening = _month(ends_on - dt.timedelta(days=days))
    closing = _month(ends_on)
    shortest = max(0, closing[0] - opening[1])
    longest = closing[1] - opening[0]

    def pairs_in(start: int) -> int:
        return sum(_pairs(opening, closing, d) for d in range(start, class_end(start) + 1))

    start = class_start(days)
    middle = (shortest + longest) / 2
    for _ in range(_MAX_STEPS):
        if pairs_in(start) >= MIN_PAIRS:
            break
        # Towards the middle: the next class up, or the previous one down.
        start = class_end(start) + 1 if start < middle else class_start(start - 1)
    return start
