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

Before suppressing, global recoding (`recode`) merges a too-small category into its
documented neighbour (NEIGHBOURS): in a year where any member of a neighbourhood has
1..threshold-1 cases overall, every member of it is published as the merged category in
every slice of that year, so no filter shows a member on its own to subtract from the
merged cell. Suppression then runs on the recoded cube. A merge keeps the other cells of
the partition (the report's headline figures) from being withheld as complements.

A cell may also be weighed by the people it covers rather than by its count
(`protect(..., people=)`): a group process is one case covering a whole team, so four
group processes with 65 participants are not a small cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ALL = "*"
Key = tuple[str, int, str, str, str]  # dimension, year, pillar, office, value
Row = tuple[str, int, str, str, str, int]  # the key, and a count
Constraint = tuple[Key, tuple[Key, ...]]  # a margin and the members it sums

# The documented neighbours, the one place they are defined: dimension -> merged category
# -> the categories it merges. A too-small member is never merged into a category that
# would change what a headline figure means (settled and not settled stay apart, so the
# resolution rate of mediated cases survives a merge of the cases that did not proceed).
NEIGHBOURS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    # Mediation outcomes: the mediations that never reached the table.
    "outcome": {
        "did_not_proceed": ("party_declined", "resolved_before_mediation", "withdrawn"),
    },
    # Referral sources other than the tribunals and the parties themselves, as the
    # office's report groups them ("referred by other offices").
    "referral_source": {
        "other_offices": (
            "management_evaluation_unit",
            "staff_legal_assistance",
            "ombudsman",
            "administration",
            "other",
        ),
        "other_tribunals": (
            "appeals_tribunal",
            "ilo_administrative_tribunal",
            "world_bank_administrative_tribunal",
        ),
    },
    # Intake channels: the remote ones together, and the rarely used ones.
    "intake_channel": {
        "phone_or_email": ("phone", "email"),
        "other_channels": ("referring_office", "other"),
    },
}
MERGED_LABELS = {
    "did_not_proceed": "did not proceed (a party declined, resolved before mediation, "
    "or withdrawn)",
    "other_offices": "referred by other offices (management evaluation, staff legal "
    "assistance, ombudsman, administration, other)",
    "other_tribunals": "other tribunals (appeals, ILO, World Bank)",
    "phone_or_email": "by phone or e-mail",
    "other_channels": "through a referring office, or another channel",
}


@dataclass(frozen=True)
class Merge:
    """One recoding: in `year`, the `members` of `dimension` are published as `into`."""

    dimension: str
    year: int
    into: str
    members: tuple[str, ...]


def recode(
    rows: Iterable[Row], threshold: int, neighbours: Mapping[str, Mapping[str, tuple[str, ...]]]
) -> tuple[list[Row], tuple[Merge, ...]]:
    """Merges, per year, each neighbourhood with a member of 1..threshold-1 cases overall.

    The decision rests on the year's overall counts alone, never on a slice, and applies
    to every slice of that year: every filtered view then shows the same categories.
    """
    rows = list(rows)
    overall: dict[tuple[str, int, str], int] = defaultdict(int)
    for dimension, year, _, _, value, n in rows:
        if dimension in neighbours:
            overall[(dimension, year, value)] += n
    merged: dict[tuple[str, int, str], str] = {}
    merges: list[Merge] = []
    for dimension, groups in neighbours.items():
        years = sorted({y for d, y, _ in overall if d == dimension})
        for year in years:
            for into, members in groups.items():
                if any(0 < overall.get((dimension, year, m), 0) < threshold for m in members):
                    merges.append(Merge(dimension, year, into, members))
                    for m in members:
                        merged[(dimension, year, m)] = into
    if not merged:
        return rows, ()
    recoded = [(d, y, p, o, merged.get((d, y, v), v), n) for d, y, p, o, v, n in rows]
    return recoded, tuple(merges)


@dataclass(frozen=True)
class Protected:
    """Counts and the cells withheld from publication."""

    counts: Mapping[Key, int]
    suppressed: frozenset[Key]
    merges: tuple[Merge, ...] = ()
    threshold: int = 0

    def count(self, key: Key) -> int | None:
        """The publishable count of a cell: None when suppressed or merged, 0 when empty."""
        if key in self.suppressed or self.merged_into(key) is not None:
            return None
        return self.counts.get(key, 0)

    def merged_into(self, key: Key) -> str | None:
        """The category a cell's value is published under in its year, if merged."""
        dimension, year, _, _, value = key
        for merge in self.merges:
            if merge.dimension == dimension and merge.year == year and value in merge.members:
                return merge.into
        return None

    def is_merged(self, dimension: str, year: int, into: str) -> bool:
        """Whether `into` is a merged category of `dimension` in `year`."""
        return any(
            m.dimension == dimension and m.year == year and m.into == into for m in self.merges
        )

    def merged_categories(self, dimension: str, years: Iterable[int]) -> list[str]:
        """The merged categories a table of `dimension` over `years` needs as columns."""
        wanted = set(years)
        found = [m.into for m in self.merges if m.dimension == dimension and m.year in wanted]
        return list(dict.fromkeys(found))


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


def protect(
    counts: Mapping[Key, int],
    constraints: list[Constraint],
    threshold: int,
    *,
    merges: tuple[Merge, ...] = (),
    people: Mapping[Key, int] | None = None,
) -> Protected:
    """Suppresses every count in 1..threshold-1, then complements until nothing can be
    recomputed from a single margin. `people` weighs a cell by the persons it covers
    instead of its count (group processes); `merges` are the recodings already made."""
    weight = people or {}
    hidden = {key for key, n in counts.items() if 0 < weight.get(key, n) < threshold}
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
    return Protected(counts, frozenset(hidden), merges, threshold)
