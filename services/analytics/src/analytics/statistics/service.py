"""Every statistic of the annual report, from the rollups, through disclosure control.

Each statistic is a function (reader, filters) -> Table. Protected cubes are
cached per data version: ingestion bumps the version, so a cached answer is
never stale, and a report asking twenty statistics protects each cube once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.events.models import DataVersion
from analytics.events.schemas import STILL_OPEN
from analytics.facts.models import CaseCount, MediationFact, MediationIssue
from analytics.headcount.models import StaffHeadcount
from analytics.outreach.models import OutreachActivity
from analytics.outreach.schemas import ActivityType
from analytics.statistics.disclosure import (
    ALL,
    MERGED_LABELS,
    NEIGHBOURS,
    Key,
    Protected,
    Row,
    cube,
    protect,
    recode,
)
from analytics.statistics.tables import Cell, Table, counted, merged_cell, valued
from analytics.statistics.workload import (
    contacts_per_case,
    hours_per_office,
    mediation_contacts,
    mediation_time_to_resolution,
    time_to_resolution,
)
from analytics.survey.models import DIMENSIONS, ExitResponse, WorkplaceResponse
from ombuds_shared.errors import ValidationFailed
from ombuds_shared.reference import Location, OccupationalGroup, Pillar
from ombuds_shared.taxonomy import CATEGORIES, SUBCATEGORIES, SYSTEMIC_ISSUES
from ombuds_shared.vocabulary import Channel, Outcome, ReferralSource

INTERNATIONAL = (
    OccupationalGroup.INTERNATIONAL_PROFESSIONAL,
    OccupationalGroup.DIRECTOR_AND_ABOVE,
    OccupationalGroup.FIELD_SERVICE,
)
NATIONAL = (OccupationalGroup.GENERAL_SERVICE, OccupationalGroup.NATIONAL_OFFICER)
PILLARS = [p.value for p in Pillar]
# The rollup files a channel outside the office's own under "other" (facts.models).
INTAKE_CHANNELS = [*(c.value for c in Channel), "other"]
CASE_PARTITIONS = {
    "location": "opened",
    "occupational_group": "opened",
    "intake_channel": "opened",
}
# The dimensions protected together: they share the total of cases opened.
CASE_DIMENSIONS = ("opened", "location", "occupational_group", "intake_channel")
MEDIATION_PARTITIONS = {
    "referral_source": "mediations",
    "outcome": "mediations",
    "process": "mediations",
}


@dataclass(frozen=True)
class Filters:
    """The slice a reader asks for: a year range, and optionally one pillar and one office."""

    from_year: int
    to_year: int
    pillar: Pillar | None = None
    office: str | None = None
    codes: tuple[str, ...] = ()
    # The first year asked for but left out because it is still open (see Reader.closed).
    open_from: int | None = None

    @property
    def years(self) -> range:
        return range(self.from_year, self.to_year + 1)

    @property
    def p(self) -> str:
        return self.pillar.value if self.pillar else ALL

    @property
    def o(self) -> str:
        return self.office or ALL

    def as_dict(self) -> dict[str, Any]:
        return {
            "from_year": self.from_year,
            "to_year": self.to_year,
            "pillar": self.pillar.value if self.pillar else None,
            "office": self.office,
            **({"unpublished_open_period_from": self.open_from} if self.open_from else {}),
        }


T = TypeVar("T")


class Reader:
    """Reads protected cubes for one request, sharing the app's cache."""

    def __init__(
        self,
        session: AsyncSession,
        cache: dict[Any, Any],
        threshold: int,
        published_through: int | None = None,
        thresholds: Mapping[str, int] | None = None,
    ) -> None:
        self.session = session
        self.cache = cache
        # The default threshold, and the ones configured per statistic (see `threshold_of`).
        self.threshold = threshold
        self.thresholds = dict(thresholds or {})
        # The last year whose figures are published (None: every year, the open one too).
        self.published_through = published_through
        self._version: int | None = None

    def threshold_of(self, group: str) -> int:
        """The threshold of a protection group: the highest configured for its statistics,
        since they publish from one cube and share its margins (PROTECTED_TOGETHER)."""
        return max(self.thresholds.get(name, self.threshold) for name in PROTECTED_TOGETHER[group])

    def threshold_for(self, statistic: str) -> int:
        """The threshold a statistic is published at: that of every group it reads."""
        groups = [g for g, names in PROTECTED_TOGETHER.items() if statistic in names]
        return max((self.threshold_of(g) for g in groups), default=self.threshold)

    def closed(self, f: Filters) -> Filters:
        """The slice cut back to closed periods: an open year is published once it closes."""
        last = self.published_through
        if last is None or f.to_year <= last:
            return f
        if f.from_year > last:
            raise ValidationFailed(
                f"Figures of {f.from_year} are published once the year closes; "
                f"the last year published is {last}."
            )
        return replace(f, to_year=last, open_from=last + 1)

    @property
    def thresholds_key(self) -> tuple[Any, ...]:
        return (self.threshold, tuple(sorted(self.thresholds.items())))

    async def version(self) -> int:
        if self._version is None:
            found = await self.session.scalar(
                select(DataVersion.version).where(DataVersion.id == 1)
            )
            self._version = int(found or 0)
        return self._version

    async def cached(self, name: tuple[Any, ...], build: Callable[[], Awaitable[T]]) -> T:
        """What `build` gives, once per data version: a protected cube, or the rows of facts
        that several statistics read (ingestion bumps the version, so it is never stale)."""
        key = (*name, await self.version(), self.thresholds_key)
        found = self.cache.get(key)
        if found is None:
            found = await build()
            if len(self.cache) > 512:  # a bounded cache: old versions fall out
                self.cache.clear()
            self.cache[key] = found
        return found

    async def cases(
        self,
        f: Filters,
        dimensions: tuple[str, ...],
        values: tuple[str, ...] = (),
        *,
        group: str = "cases",
    ) -> Protected:
        """A protected cube from the rollup (dimensions protected together share margins),
        recoded (NEIGHBOURS) and then suppressed at the threshold of its `group`."""
        threshold = self.threshold_of(group)

        async def build() -> Protected:
            query = select(
                CaseCount.dimension, CaseCount.year, CaseCount.pillar, CaseCount.office,
                CaseCount.value, CaseCount.count,
            ).where(
                CaseCount.dimension.in_(dimensions),
                CaseCount.year.between(f.from_year, f.to_year),
            )  # fmt: skip
            if values:
                query = query.where(CaseCount.value.in_(values))
            rows: list[Row] = [tuple(r) for r in await self.session.execute(query)]  # type: ignore[misc]
            partitions = {d: t for d, t in CASE_PARTITIONS.items() if d in dimensions}
            recoded, merges = recode(rows, threshold, NEIGHBOURS)
            return protect(*cube(recoded, partitions), threshold, merges=merges)

        return await self.cached(
            ("cases", group, dimensions, values, f.from_year, f.to_year), build
        )

    async def mediations(self, f: Filters) -> tuple[Protected, dict[tuple[int, str, str], int]]:
        """The protected mediation cube, and participants of group processes per cell.

        Outcomes and referral sources are recoded (NEIGHBOURS) before suppression; a cell
        of group processes is weighed by its participants (a team, not one person); the
        issue categories of mediations share the cube's pillar and office margins.
        """
        threshold = self.threshold_of("mediations")
        query = (
            select(
                MediationFact.opened_year, MediationFact.pillar, MediationFact.office,
                MediationFact.referral_source, MediationFact.outcome, MediationFact.is_group,
                func.count(), func.coalesce(func.sum(MediationFact.participant_count), 0),
            )
            .where(MediationFact.opened_year.between(f.from_year, f.to_year))
            .group_by(
                MediationFact.opened_year, MediationFact.pillar, MediationFact.office,
                MediationFact.referral_source, MediationFact.outcome, MediationFact.is_group,
            )
        )  # fmt: skip
        result = list(await self.session.execute(query))
        participants: dict[tuple[int, str, str], int] = defaultdict(int)
        rows: list[Row] = []
        for year, pillar, office, source, outcome, is_group, n, people in result:
            rows += [
                ("mediations", year, pillar, office, "", n),
                ("referral_source", year, pillar, office, source, n),
                ("outcome", year, pillar, office, outcome, n),
                ("process", year, pillar, office, "group" if is_group else "individual", n),
            ]
            if is_group:
                for p in (pillar, ALL):
                    for o in (office, ALL):
                        participants[(year, p, o)] += int(people or 0)

        async def build() -> Protected:
            # A mediation counts once per major category, however many codes it raises.
            per_mediation = (
                select(MediationIssue.mediation_key, MediationIssue.category)
                .distinct()
                .subquery("mediation_category")
            )
            m = MediationFact
            categories = (
                select(m.opened_year, m.pillar, m.office, per_mediation.c.category, func.count())
                .join(per_mediation, per_mediation.c.mediation_key == m.mediation_key)
                .where(m.opened_year.between(f.from_year, f.to_year))
                .group_by(m.opened_year, m.pillar, m.office, per_mediation.c.category)
            )
            issue_rows: list[Row] = [
                ("mediation_category", year, pillar, office, category, n)
                for year, pillar, office, category, n in await self.session.execute(categories)
            ]
            recoded, merges = recode(rows + issue_rows, threshold, NEIGHBOURS)
            counts, constraints = cube(recoded, MEDIATION_PARTITIONS)
            people = {
                key: max(n, participants.get((key[1], key[2], key[3]), 0))
                for key, n in counts.items()
                if key[0] == "process" and key[4] == "group"
            }
            return protect(counts, constraints, threshold, merges=merges, people=people)

        protected = await self.cached(("mediations", f.from_year, f.to_year), build)
        return protected, participants


def _key(dimension: str, year: int, f: Filters, value: str = "", pillar: str | None = None) -> Key:
    return (dimension, year, pillar or f.p, f.o, value)


def _distribution(
    protected: Protected, f: Filters, *, statistic: str, title: str, dimension: str,
    values: Iterable[str], total: Callable[[int], int | None], labels: dict[str, str] | None = None,
) -> Table:  # fmt: skip
    merged = protected.merged_categories(dimension, f.years)
    columns = [*values, *merged]
    table = Table(statistic, title, [*columns, "total"])
    for year in f.years:
        whole = total(year)
        cells = {v: _published(protected, _key(dimension, year, f, v), whole) for v in columns}
        cells["total"] = counted(whole)
        table.add({"year": year}, cells)
    table.record_merges(protected.merges, dimension, f.years)
    if labels or merged:
        table.notes["labels"] = {**(labels or {}), **{m: MERGED_LABELS[m] for m in merged}}
    return table


def _published(protected: Protected, key: Key, total: int | None = None) -> Cell:
    """A count cell as published: withheld, merged into its neighbour, or the count."""
    into = protected.merged_into(key)
    if into is not None:
        return merged_cell(into, total)
    dimension, year, pillar, office, value = key
    members = NEIGHBOURS.get(dimension, {}).get(value)
    if members and not protected.is_merged(dimension, year, value):
        # A year without the merge: the merged column is the sum of its published members
        # (withheld if one is), so that the column reads the same over the years.
        parts = [protected.count((dimension, year, pillar, office, m)) for m in members]
        return counted(_sum_published(parts), total)
    return counted(protected.count(key), total)


async def cases_opened(reader: Reader, f: Filters) -> Table:
    """1. Cases opened per year, by pillar."""
    protected = await reader.cases(f, CASE_DIMENSIONS)
    pillars = [f.p] if f.pillar else PILLARS
    table = Table("cases-opened", "Cases opened per year, by pillar", [*pillars, "total"])
    for year in f.years:
        cells = {p: counted(protected.count(_key("opened", year, f, pillar=p))) for p in pillars}
        cells["total"] = counted(protected.count(_key("opened", year, f)))
        table.add({"year": year}, cells)
    return table


async def _case_distribution(
    reader: Reader, f: Filters, *, dimension: str, statistic: str, title: str, values: list[str]
) -> Table:
    protected = await reader.cases(f, CASE_DIMENSIONS)
    return _distribution(
        protected, f, statistic=statistic, title=title, dimension=dimension, values=values,
        total=lambda year: protected.count(_key("opened", year, f)),
    )  # fmt: skip


async def cases_by_location(reader: Reader, f: Filters) -> Table:
    """2. Cases by location of the visitor's duty station."""
    return await _case_distribution(
        reader, f, dimension="location", statistic="cases-by-location",
        title="Cases by location of duty station", values=[v.value for v in Location],
    )  # fmt: skip


async def cases_by_occupational_group(reader: Reader, f: Filters) -> Table:
    """3. Cases by occupational group."""
    return await _case_distribution(
        reader, f, dimension="occupational_group", statistic="cases-by-occupational-group",
        title="Cases by occupational group", values=[v.value for v in OccupationalGroup],
    )  # fmt: skip


async def cases_by_intake_channel(reader: Reader, f: Filters) -> Table:
    """Cases by intake channel: how the request reached the office (a code outside the
    office's channels counts as `other`)."""
    return await _case_distribution(
        reader, f, dimension="intake_channel", statistic="cases-by-intake-channel",
        title="Cases by intake channel", values=INTAKE_CHANNELS,
    )  # fmt: skip


_CATEGORY_LABELS = {code: labels[1] for code, labels in CATEGORIES.items()}


def _with_top_three(table: Table) -> Table:
    for row in table.rows:
        published = [
            (cell["count"], code)
            for code, cell in row["cells"].items()
            if code != "total" and cell.get("count")
        ]
        row["top_three"] = [code for _, code in sorted(published, key=lambda x: (-x[0], x[1]))[:3]]
    return table


async def issues_by_category(reader: Reader, f: Filters) -> Table:
    """4. Cases raising each of the nine major categories; the top three per year."""
    protected = await reader.cases(f, ("category",), group="categories")
    totals = await reader.cases(f, CASE_DIMENSIONS)
    table = _distribution(
        protected, f, statistic="issues-by-category",
        title="Cases by major issue category (a case may raise several)",
        dimension="category", values=list(CATEGORIES),
        total=lambda year: totals.count(_key("opened", year, f)), labels=_CATEGORY_LABELS,
    )  # fmt: skip
    return _with_top_three(table)


async def issue_subcategories(reader: Reader, f: Filters) -> Table:
    """4. Trends of chosen sub-categories (unless `codes` is given: every sub-category with
    a published count in the slice)."""
    codes = f.codes
    if not codes:
        found = await reader.session.execute(
            select(CaseCount.value)
            .where(
                CaseCount.dimension == "issue_code",
                CaseCount.year.between(f.from_year, f.to_year),
            )
            .distinct()
        )
        present = tuple(sorted(found.scalars(), key=_code_order))
        every = await reader.cases(f, ("issue_code",), present, group="issue-codes")
        # A column whose every cell is withheld would still tell that the code was raised.
        codes = tuple(
            c for c in present if any(every.count(_key("issue_code", y, f, c)) for y in f.years)
        )
    protected = await reader.cases(f, ("issue_code",), codes, group="issue-codes")
    totals = await reader.cases(f, CASE_DIMENSIONS)
    return _distribution(
        protected, f, statistic="issue-subcategories", title="Cases by issue sub-category",
        dimension="issue_code", values=codes,
        total=lambda year: totals.count(_key("opened", year, f)),
        labels={c: SUBCATEGORIES[c] for c in codes if c in SUBCATEGORIES},
    )  # fmt: skip


def _code_order(code: str) -> tuple[int, str]:
    major, _, minor = code.partition(".")
    return (int(major) if major.isdigit() else 99, minor)


def _sum_published(cells: list[int | None]) -> int | None:
    """A sum of cells, or None when any is withheld (it would reveal the withheld one)."""
    return None if any(c is None for c in cells) else sum(c for c in cells if c is not None)


async def utilization(reader: Reader, f: Filters) -> Table:
    """5. Cases per 100 staff, internationally and nationally recruited, per pillar."""
    if f.office:
        raise ValidationFailed("Utilization is per pillar: headcounts are not kept per office.")
    protected = await reader.cases(f, CASE_DIMENSIONS)
    heads = {
        (r.year, r.pillar): r
        for r in (
            await reader.session.execute(
                select(StaffHeadcount).where(StaffHeadcount.year.between(f.from_year, f.to_year))
            )
        ).scalars()
    }
    columns = ["international_cases", "international_staff", "international_rate",
               "national_cases", "national_staff", "national_rate"]  # fmt: skip
    table = Table("utilization", "Cases per 100 staff", columns, labels=["year", "pillar"])
    for year in f.years:
        for pillar in [f.p] if f.pillar else PILLARS:
            cells: dict[str, Cell] = {}
            head = heads.get((year, pillar))
            for prefix, groups in (("international", INTERNATIONAL), ("national", NATIONAL)):
                cases = _sum_published(
                    [protected.count(_key("occupational_group", year, f, g.value, pillar))
                     for g in groups]
                )  # fmt: skip
                staff = getattr(head, prefix) if head else None
                cells[f"{prefix}_cases"] = counted(cases)
                cells[f"{prefix}_staff"] = valued(staff)
                rate = round(100 * cases / staff, 2) if cases is not None and staff else None
                cells[f"{prefix}_rate"] = valued(rate, suppressed=cases is None)
            table.add({"year": year, "pillar": pillar}, cells)
    return table


async def non_staff_issues(reader: Reader, f: Filters) -> Table:
    """6. The issue breakdown for non-staff personnel."""
    protected = await reader.cases(f, ("non_staff_category",), group="non-staff-categories")
    totals = await reader.cases(f, CASE_DIMENSIONS)
    non_staff = OccupationalGroup.NON_STAFF.value
    return _with_top_three(
        _distribution(
            protected, f, statistic="non-staff-issues",
            title="Non-staff personnel: cases by major issue category",
            dimension="non_staff_category", values=list(CATEGORIES),
            total=lambda year: totals.count(_key("occupational_group", year, f, non_staff)),
            labels=_CATEGORY_LABELS,
        )
    )  # fmt: skip


async def systemic_issues(reader: Reader, f: Filters) -> Table:
    """10. Cases tagged with each systemic issue, per year."""
    protected = await reader.cases(f, ("systemic_issue",), group="systemic")
    table = Table("systemic-issues", "Systemic issues tagged", list(SYSTEMIC_ISSUES))
    for year in f.years:
        table.add(
            {"year": year},
            {
                s: counted(protected.count(_key("systemic_issue", year, f, s)))
                for s in SYSTEMIC_ISSUES
            },
        )
    table.notes["labels"] = dict(SYSTEMIC_ISSUES)
    return table


async def mediation_opened(reader: Reader, f: Filters) -> Table:
    """7. Mediations opened per year, group processes and their participants."""
    protected, participants = await reader.mediations(f)
    columns = ["opened", "group_processes", "individual", "participants_in_group_processes"]
    table = Table("mediation-opened", "Mediation cases opened", columns)
    for year in f.years:
        groups = protected.count(_key("process", year, f, "group"))
        table.add(
            {"year": year},
            {
                "opened": counted(protected.count(_key("mediations", year, f))),
                "group_processes": counted(groups),
                "individual": counted(protected.count(_key("process", year, f, "individual"))),
                "participants_in_group_processes": counted(
                    None if groups is None else participants.get((year, f.p, f.o), 0)
                ),
            },
        )
    return table


async def group_processes(reader: Reader, f: Filters) -> Table:
    """7. Group processes of the Mediation Service: how many, their participants, and the
    smallest and largest group.

    A group process is one mediation covering a team, so its cell is weighed by the people
    it covers (disclosure.protect): four processes with 65 participants are published. The
    smallest and largest group are shown only where the count is published and the
    smallest group has at least the threshold's number of people (both or neither: with
    two groups, the participants less one size give the other).
    """
    protected, participants = await reader.mediations(f)
    threshold = reader.threshold_of("mediations")
    m = MediationFact
    query = (
        select(m.opened_year, m.pillar, m.office,
               func.min(m.participant_count), func.max(m.participant_count))
        .where(m.is_group.is_(True), m.opened_year.between(f.from_year, f.to_year))
        .group_by(m.opened_year, m.pillar, m.office)
    )  # fmt: skip
    sizes: dict[tuple[int, str, str], tuple[int, int]] = {}
    for year, pillar, office, smallest, largest in await reader.session.execute(query):
        for p in (pillar, ALL):
            for o in (office, ALL):
                low, high = sizes.get((year, p, o), (smallest or 0, largest or 0))
                sizes[(year, p, o)] = (min(low, smallest or 0), max(high, largest or 0))
    columns = ["group_processes", "participants", "smallest_group", "largest_group"]
    table = Table("group-processes", "Group processes and their participants", columns)
    for year in f.years:
        groups = protected.count(_key("process", year, f, "group"))
        hidden = groups is None
        low, high = sizes.get((year, f.p, f.o), (0, 0))
        table.add(
            {"year": year},
            {
                "group_processes": counted(groups),
                "participants": counted(None if hidden else participants.get((year, f.p, f.o), 0)),
                # Both sizes or neither: with two groups, the total less one gives the other.
                "smallest_group": _size(low, low, groups, threshold),
                "largest_group": _size(high, low, groups, threshold),
            },
        )
    table.notes["counted"] = (
        "group processes opened in the year; a size is shown where it is at least the threshold"
    )
    return table


def _size(people: int, smallest: int, groups: int | None, threshold: int) -> Cell:
    """A group's size: none without a group; withheld with the count of groups, or when
    the smallest group has fewer people than the threshold."""
    if groups == 0:
        return {"count": None}
    return counted(people if groups is not None and smallest >= threshold else None)


async def mediation_issue_categories(reader: Reader, f: Filters) -> Table:
    """7. Mediations raising each of the nine major categories (a mediation may raise
    several); the top three per year."""
    protected, _ = await reader.mediations(f)
    table = _distribution(
        protected, f, statistic="mediation-issue-categories",
        title="Mediation cases by major issue category (a mediation may raise several)",
        dimension="mediation_category", values=list(CATEGORIES),
        total=lambda year: protected.count(_key("mediations", year, f)), labels=_CATEGORY_LABELS,
    )  # fmt: skip
    return _with_top_three(table)


async def _mediation_distribution(
    reader: Reader, f: Filters, *, dimension: str, statistic: str, title: str, values: list[str]
) -> Table:
    protected, _ = await reader.mediations(f)
    return _distribution(
        protected, f, statistic=statistic, title=title, dimension=dimension, values=values,
        total=lambda year: protected.count(_key("mediations", year, f)),
    )  # fmt: skip


async def mediation_referral_sources(reader: Reader, f: Filters) -> Table:
    """7. Mediations by referral source, with percentages."""
    return await _mediation_distribution(
        reader, f, dimension="referral_source", statistic="mediation-referral-sources",
        title="Mediation cases by referral source", values=[v.value for v in ReferralSource],
    )  # fmt: skip


async def mediation_outcomes(reader: Reader, f: Filters) -> Table:
    """7. Mediations by outcome (open until closed)."""
    return await _mediation_distribution(
        reader, f, dimension="outcome", statistic="mediation-outcomes",
        title="Mediation cases by outcome", values=[*(v.value for v in Outcome), STILL_OPEN],
    )  # fmt: skip


async def mediation_resolution_rate(reader: Reader, f: Filters) -> Table:
    """7. Resolution rate: settled among the mediated and closed (settled or not)."""
    protected, _ = await reader.mediations(f)
    columns = ["settled", "not_settled", "resolution_rate"]
    table = Table("mediation-resolution-rate", "Resolution rate of mediated cases", columns)
    for year in f.years:
        settled = protected.count(_key("outcome", year, f, Outcome.SETTLED.value))
        not_settled = protected.count(_key("outcome", year, f, Outcome.NOT_SETTLED.value))
        mediated = _sum_published([settled, not_settled])
        rate = round(100 * settled / mediated, 1) if settled is not None and mediated else None
        table.add(
            {"year": year},
            {
                "settled": counted(settled),
                "not_settled": counted(not_settled),
                "resolution_rate": valued(rate, suppressed=mediated is None),
            },
        )
    return table


async def outreach(reader: Reader, f: Filters) -> Table:
    """8. Outreach activities by type and year, and the participants reached.

    Activities are the office's own public events, not people: no count of them
    reveals anyone, so they are published whole.
    """
    query = (
        select(
            OutreachActivity.year, OutreachActivity.activity_type,
            func.count(), func.sum(OutreachActivity.participants),
        )
        .where(OutreachActivity.year.between(f.from_year, f.to_year))
        .group_by(OutreachActivity.year, OutreachActivity.activity_type)
    )  # fmt: skip
    if f.pillar:
        query = query.where(OutreachActivity.pillar == f.pillar.value)
    if f.office:
        query = query.where(OutreachActivity.office == f.office)
    found = {(y, t): (n, int(p or 0)) for y, t, n, p in await reader.session.execute(query)}
    types = [t.value for t in ActivityType]
    table = Table("outreach", "Outreach activities and participants", [*types, "total"])
    for year in f.years:
        cells: dict[str, Cell] = {}
        for t in types:
            n, people = found.get((year, t), (0, 0))
            cells[t] = {"count": n, "participants": people}
        cells["total"] = {
            "count": sum(c["count"] for c in cells.values()),
            "participants": sum(c["participants"] for c in cells.values()),
        }
        table.add({"year": year}, cells)
    return table


def _share(k: int, n: int, threshold: int) -> Cell:
    """A share of respondents, withheld when it rests on too few on either side."""
    small = 0 < k < threshold or 0 < n - k < threshold or n < threshold
    return valued(round(100 * k / n, 1) if n else None, suppressed=small)


def risk_ratio(a: int, b: int, c: int, d: int) -> tuple[float, float, float]:
    """Risk ratio of the exposed (a with, b without) to the unexposed (c with, d without),
    with a 95% interval on the log scale; half a count is added to each cell if one is 0."""
    if 0 in (a, b, c, d):
        a, b, c, d = (x + 0.5 for x in (a, b, c, d))  # type: ignore[assignment]
    ratio = (a / (a + b)) / (c / (c + d))
    se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    low, high = (math.exp(math.log(ratio) + s * 1.959964 * se) for s in (-1, 1))
    return round(ratio, 2), round(low, 2), round(high, 2)


async def workplace_survey(reader: Reader, f: Filters) -> Table:
    """9. Pre-intervention workplace surveys: conflict, stress, hours, and risk ratios."""
    query = select(WorkplaceResponse).where(WorkplaceResponse.year.between(f.from_year, f.to_year))
    if f.pillar:
        query = query.where(WorkplaceResponse.pillar == f.pillar.value)
    if f.office:
        query = query.where(WorkplaceResponse.office == f.office)
    by_year: dict[int, list[WorkplaceResponse]] = defaultdict(list)
    for response in (await reader.session.execute(query)).scalars():
        by_year[response.year].append(response)
    columns = ["respondents", "conflict_share", "stressed_share", "mean_hours",
               *(f"risk_ratio_{d}" for d in DIMENSIONS)]  # fmt: skip
    table = Table("workplace-survey", "Pre-intervention workplace surveys", columns)
    threshold = reader.threshold_of("workplace-survey")
    for year in f.years:
        answers = by_year.get(year, [])
        n = len(answers)
        too_few = 0 < n < threshold
        cells: dict[str, Cell] = {
            "respondents": counted(None if too_few else n),
            "conflict_share": _share(sum(a.conflict for a in answers), n, threshold),
            "stressed_share": _share(sum(a.stressed for a in answers), n, threshold),
            "mean_hours": valued(
                round(sum(a.hours_on_conflict for a in answers) / n, 1) if n else None,
                suppressed=too_few,
            ),
        }
        for dimension in DIMENSIONS:
            exposed = [a.conflict for a in answers if getattr(a, dimension) is True]
            unexposed = [a.conflict for a in answers if getattr(a, dimension) is False]
            cell = valued(None, suppressed=False)
            if len(exposed) >= threshold and len(unexposed) >= threshold:
                rr, low, high = risk_ratio(
                    sum(exposed), len(exposed) - sum(exposed),
                    sum(unexposed), len(unexposed) - sum(unexposed),
                )  # fmt: skip
                cell = {"value": rr, "ci_low": low, "ci_high": high}
            elif exposed or unexposed:
                cell = valued(None, suppressed=True)
            cells[f"risk_ratio_{dimension}"] = cell
        table.add({"year": year}, cells)
    return table


async def exit_survey(reader: Reader, f: Filters) -> Table:
    """9. The anonymous exit survey, per year only (no pillar or office is kept)."""
    query = (
        select(
            ExitResponse.year, func.count(), func.sum(ExitResponse.helpful),
            func.sum(ExitResponse.respected),
            func.sum(case((ExitResponse.would_recommend, 1), else_=0)),
            func.sum(case((ExitResponse.matter_resolved, 1), else_=0)),
        )
        .where(ExitResponse.year.between(f.from_year, f.to_year))
        .group_by(ExitResponse.year)
    )  # fmt: skip
    found = {row[0]: row[1:] for row in await reader.session.execute(query)}
    columns = ["respondents", "helpful_mean", "respected_mean", "would_recommend_share",
               "matter_resolved_share"]  # fmt: skip
    table = Table("exit-survey", "Exit survey of visitors", columns)
    table.notes["filters"] = "pillar and office are not kept with exit-survey answers"
    threshold = reader.threshold_of("exit-survey")
    for year in f.years:
        n, helpful, respected, recommend, resolved = found.get(year, (0, 0, 0, 0, 0))
        too_few = 0 < n < threshold
        table.add(
            {"year": year},
            {
                "respondents": counted(None if too_few else n),
                "helpful_mean": valued(round(helpful / n, 2) if n else None, too_few),
                "respected_mean": valued(round(respected / n, 2) if n else None, too_few),
                "would_recommend_share": _share(int(recommend or 0), n, threshold),
                "matter_resolved_share": _share(int(resolved or 0), n, threshold),
            },
        )
    return table


async def survey_coverage(reader: Reader, f: Filters) -> Table:
    """9. What the workplace surveys covered: respondents, and the offices, departments or
    missions (units) and the countries they were sent to."""
    w = WorkplaceResponse
    query = (
        select(w.year, func.count(), func.count(func.distinct(w.unit)),
               func.count(func.distinct(w.country)), func.count(func.distinct(w.office)))
        .where(w.year.between(f.from_year, f.to_year))
        .group_by(w.year)
    )  # fmt: skip
    if f.pillar:
        query = query.where(w.pillar == f.pillar.value)
    if f.office:
        query = query.where(w.office == f.office)
    found = {row[0]: row[1:] for row in await reader.session.execute(query)}
    threshold = reader.threshold_of("workplace-survey")
    columns = ["respondents", "units", "countries", "ombudsman_offices"]
    table = Table("survey-coverage", "What the workplace surveys covered", columns)
    for year in f.years:
        n, units, countries, offices = found.get(year, (0, 0, 0, 0))
        # Like the survey's figures: nothing of a year with too few respondents.
        too_few = 0 < n < threshold
        table.add(
            {"year": year},
            {
                "respondents": counted(None if too_few else n),
                "units": counted(None if too_few else units),
                "countries": counted(None if too_few else countries),
                "ombudsman_offices": counted(None if too_few else offices),
            },
        )
    table.notes["counted"] = (
        "units and countries count the answers that name them (the `unit` and `country` "
        "of a workplace answer)"
    )
    return table


Statistic = Callable[[Reader, Filters], Awaitable[Table]]

# name -> how it is computed; the public route is /v1/analytics/statistics/{name}.
STATISTICS: dict[str, Statistic] = {
    "cases-opened": cases_opened,
    "cases-by-location": cases_by_location,
    "cases-by-occupational-group": cases_by_occupational_group,
    "issues-by-category": issues_by_category,
    "issue-subcategories": issue_subcategories,
    "utilization": utilization,
    "non-staff-issues": non_staff_issues,
    "mediation-opened": mediation_opened,
    "mediation-referral-sources": mediation_referral_sources,
    "mediation-outcomes": mediation_outcomes,
    "mediation-resolution-rate": mediation_resolution_rate,
    "outreach": outreach,
    "workplace-survey": workplace_survey,
    "exit-survey": exit_survey,
    "systemic-issues": systemic_issues,
    "contacts-per-case": contacts_per_case,
    "mediation-contacts": mediation_contacts,
    "hours-per-office": hours_per_office,
    "time-to-resolution": time_to_resolution,
    "mediation-time-to-resolution": mediation_time_to_resolution,
    "cases-by-intake-channel": cases_by_intake_channel,
    "mediation-issue-categories": mediation_issue_categories,
    "group-processes": group_processes,
    "survey-coverage": survey_coverage,
}

# Protection groups: statistics published from one protected cube share its margins, so a
# cube is protected at the highest threshold configured for any statistic of its group
# (OMBUDS_ANALYTICS_SUPPRESSION_THRESHOLDS); else a lower threshold for one of them would
# publish a margin the other withholds. A statistic reading several cubes (a distribution
# and its total) is in each of their groups.
PROTECTED_TOGETHER: dict[str, tuple[str, ...]] = {
    "cases": (
        "cases-opened",
        "cases-by-location",
        "cases-by-occupational-group",
        "cases-by-intake-channel",
        "utilization",
        "issues-by-category",
        "issue-subcategories",
        "non-staff-issues",
    ),
    "categories": ("issues-by-category",),
    "issue-codes": ("issue-subcategories",),
    "non-staff-categories": ("non-staff-issues",),
    "systemic": ("systemic-issues",),
    "mediations": (
        "mediation-opened",
        "mediation-referral-sources",
        "mediation-outcomes",
        "mediation-resolution-rate",
        "mediation-issue-categories",
        "group-processes",
    ),
    "workload": ("contacts-per-case", "mediation-contacts", "hours-per-office"),
    "case-resolution": ("time-to-resolution",),
    "mediation-resolution": ("mediation-time-to-resolution",),
    "workplace-survey": ("workplace-survey", "survey-coverage"),
    "exit-survey": ("exit-survey",),
}


async def publish(name: str, reader: Reader, f: Filters) -> Table:
    """A statistic as published: computed, and marked with the threshold it was protected at
    (its disclosure note, under the table in CSV and in the report, says so)."""
    table = await STATISTICS[name](reader, f)
    table.threshold = reader.threshold_for(name)
    return table
