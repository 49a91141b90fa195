"""Disclosure control (P6): small cells suppressed, with complementary suppression.

A statistic is published from a cube of counts keyed (dimension, year, pillar,
office, value), with margins ("*") over pillar and office, and, where the values
of a dimension partition the cases (each case has one location), the value
margin is the opened count itself. Each margin and its members form a linear
constraint: the margin equals the sum of its members. A reader who knows the
published cells of a constraint with exactly one cell hidden can compute it, so
suppression repeats until no constraint has exactly one hidden cell: the
smallest published member is hidden as its complement (or the margin, when no
member is left). Every filtered view is a slice of the same protected cube, so
no two answers can be subtracted to reveal what one of them hides. Years never
share a constraint (no all-years total is published), so each year stands alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ALL = "*"
Key = tuple[str, int, str, str, str]  # dimension, year, pillar, office, value
Row = tuple[str, int, str, str, str, int]  # the key, and a count
Constraint = tuple[Key, tuple[Key, ...]]  # a margin and the members it sums


@dataclass(frozen=True)
class Protected:
    """Counts and the cells withheld from publication."""

    counts: Mapping[Key, int]
    suppressed: frozenset[Key]

    def count(self, key: Key) -> int | None:
        """The publishable count of a cell: None when suppressed, 0 when empty."""
        if key in self.suppressed:
            return None
        return self.counts.get(key, 0)


def cube(
    rows: Iterable[Row], partitions: Mapping[str, str]
) -> tuple[dict[Key, int], list[Constraint]]:
    """Counts with their pillar and office margins, and the constraints among them.

    `partitions` maps a dimension whose values partition the cases to the
    dimension holding their total (its value is "").
    """
    counts: dict[Key, int] = defaultdict(int)
    for dimension, year, pillar, office, value, n in rows:
        for p in (pillar, ALL):
            for o in (office, ALL):
                counts[(dimension, year, p, o, value)] += n
    by_pillar: dict[Key, list[Key]] = defaultdict(list)
    by_office: dict[Key, list[Key]] = defaultdict(list)
    # One constraint per partitioning dimension: the locations of a cell's cases add up to
    # its total, and so, separately, do their occupational groups.
    by_value: dict[tuple[str, Key], list[Key]] = defaultdict(list)
    for key in counts:
        dimension, year, pillar, office, value = key
        if pillar != ALL:
            by_pillar[(dimension, year, ALL, office, value)].append(key)
        if office != ALL:
            by_office[(dimension, year, pillar, ALL, value)].append(key)
        total = partitions.get(dimension)
        if total is not None:
            by_value[(dimension, (total, year, pillar, office, ""))].append(key)
    constraints = [
        (margin, tuple(sorted(members)))
        for groups in (by_pillar, by_office)
        for margin, members in groups.items()
    ]
    constraints += [(margin, tuple(sorted(members))) for (_, margin), members in by_value.items()]
    for margin, _ in constraints:
        counts.setdefault(margin, 0)
    constraints.sort()
    return dict(counts), constraints


def protect(counts: Mapping[Key, int], constraints: list[Constraint], threshold: int) -> Protected:
    """Suppresses every count in 1..threshold-1, then complements until nothing can be
    recomputed from a single margin."""
    hidden = {key for key, n in counts.items() if 0 < n < threshold}
    changed = True
    while changed:
        changed = False
        for margin, members in constraints:
            if (margin in hidden) + sum(m in hidden for m in members) != 1:
                continue
            candidates = [m for m in members if m not in hidden and counts[m] > 0]
            if candidates:
                hidden.add(min(candidates, key=lambda m: (counts[m], m)))
            elif margin not in hidden:
                hidden.add(margin)
            else:
                continue  # the margin is hidden and every member is zero: nothing to learn
            changed = True
    return Protected(counts, frozenset(hidden))
