"""The office's workload and speed: contacts and hours per case, hours per office, and time
to resolution, from the contact sums and the days-open figures of the facts.

Every figure rests on a count of cases (or mediations) protected like the others
(disclosure.protect): a sum, a mean, a median or a share is published only where the
count it rests on is, so complementary suppression of the counts covers the sums too
(they share the same margins). Contacts and hours are filed under the year the case or
mediation opened, with its other figures; time to resolution under the year it closed.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, cast, func, select

from analytics.facts.models import CaseCount, CaseFact, MediationFact
from analytics.statistics.disclosure import ALL, Key, Protected, Row, cube, protect
from analytics.statistics.tables import Cell, Table, counted, valued

if TYPE_CHECKING:
    from analytics.statistics.service import Filters, Reader

# Days to resolution, in bands that partition the resolved (each value: at most N days).
BANDS = {"within_30": 30, "within_90": 90, "within_180": 180, "beyond_180": None}
SHARES = ("within_30", "within_90", "within_180")
_CLASS_NOTE = (
    "the first day of the week-long class the median falls in (classes also end at 30, 90 "
    "and 180 days, so the shares are exact but for cases at their months' extremes)"
)


# Per band: how many resolved within it (cumulative), and their share of the resolved.
_BAND_COLUMNS = [c for b in SHARES for c in (b, f"{b}_share")]


def _band(days: int) -> str:
    return next(b for b, most in BANDS.items() if most is None or days <= most)


def _margins(pillar: str, office: str) -> Iterable[tuple[str, str]]:
    return ((p, o) for p in (pillar, ALL) for o in (office, ALL))


class _Sums:
    """Contact sums per cell (year, pillar, office), with their pillar and office margins."""

    def __init__(self) -> None:
        self.contacts: dict[tuple[int, str, str], int] = defaultdict(int)
        self.minutes: dict[tuple[int, str, str], int] = defaultdict(int)

    def add(self, year: int, pillar: str, office: str, contacts: int, minutes: int) -> None:
        for p, o in _margins(pillar, office):
            self.contacts[(year, p, o)] += contacts
            self.minutes[(year, p, o)] += minutes


async def _contact_rows(reader: Reader, f: Filters, model: Any) -> tuple[list[Row], _Sums]:
    """Per opening year, pillar and office: files with a contact logged, and their sums
    (read once per data version: contacts per case and hours per office both scan them)."""

    async def build() -> tuple[list[Row], _Sums]:
        found: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        if model is CaseFact:
            # From the rollup kept at ingestion (facts.models), not a scan of every case.
            sums_of = ("contacted", "contacts", "contact_minutes")
            query: Any = select(
                CaseCount.dimension, CaseCount.year, CaseCount.pillar, CaseCount.office,
                CaseCount.count,
            ).where(
                CaseCount.dimension.in_(sums_of), CaseCount.year.between(f.from_year, f.to_year)
            )  # fmt: skip
            for dimension, year, pillar, office, n in await reader.session.execute(query):
                found[(year, pillar, office)][sums_of.index(dimension)] += n
        else:
            query = (
                select(
                    model.opened_year, model.pillar, model.office,
                    func.count(), func.sum(model.contacts), func.sum(model.contact_minutes),
                )
                .where(model.opened_year.between(f.from_year, f.to_year), model.contacts > 0)
                .group_by(model.opened_year, model.pillar, model.office)
            )  # fmt: skip
            for year, pillar, office, n, contacts, minutes in await reader.session.execute(query):
                found[(year, pillar, office)] = [n, int(contacts or 0), int(minutes or 0)]
        rows: list[Row] = []
        sums = _Sums()
        for (year, pillar, office), (n, contacts, minutes) in sorted(found.items()):
            if n:
                rows.append(("contacted", year, pillar, office, "", n))
                sums.add(year, pillar, office, contacts, minutes)
        return rows, sums

    return await reader.cached(("contacts", model.__tablename__, f.from_year, f.to_year), build)


def _hours(minutes: float) -> float:
    return round(minutes / 60, 1)


def _workload_cells(protected: Protected, sums: _Sums, key: Key) -> dict[str, Cell]:
    _, year, pillar, office, _ = key
    files = protected.count(key)
    hidden = files is None
    contacts = sums.contacts.get((year, pillar, office), 0)
    minutes = sums.minutes.get((year, pillar, office), 0)
    return {
        "cases": counted(files),
        "contacts": counted(None if hidden else contacts),
        "contacts_per_case": valued(round(contacts / files, 1) if files else None, hidden),
        "hours": valued(None if hidden else _hours(minutes), hidden),
        "hours_per_case": valued(_hours(minutes / files) if files else None, hidden),
    }


_WORKLOAD_COLUMNS = ["cases", "contacts", "contacts_per_case", "hours", "hours_per_case"]


async def _contacts_per_case(reader: Reader, f: Filters, model: Any, name: str) -> Table:
    rows, sums = await _contact_rows(reader, f, model)
    protected = protect(*cube(rows, {}), reader.threshold_of("workload"))
    what = "case" if model is CaseFact else "mediation"
    table = Table(
        name, f"Contacts and hours per {what} (those with a contact logged)", _WORKLOAD_COLUMNS
    )
    for year in f.years:
        table.add(
            {"year": year}, _workload_cells(protected, sums, ("contacted", year, f.p, f.o, ""))
        )
    table.notes["counted"] = f"{what}s with at least one contact logged, by the year they opened"
    return table


async def contacts_per_case(reader: Reader, f: Filters) -> Table:
    """Contacts and hours per case, per year the case opened."""
    return await _contacts_per_case(reader, f, CaseFact, "contacts-per-case")


async def mediation_contacts(reader: Reader, f: Filters) -> Table:
    """Contacts and hours per mediation, per year the mediation opened."""
    return await _contacts_per_case(reader, f, MediationFact, "mediation-contacts")


async def hours_per_office(reader: Reader, f: Filters) -> Table:
    """Hours of contact per office (cases and mediations), per year they opened."""
    rows: list[Row] = []
    sums = _Sums()
    for model in (CaseFact, MediationFact):
        found, more = await _contact_rows(reader, f, model)
        rows += found
        for cell, n in more.contacts.items():
            year, pillar, office = cell
            if pillar != ALL and office != ALL:
                sums.add(year, pillar, office, n, more.minutes[cell])
    protected = protect(*cube(rows, {}), reader.threshold_of("workload"))
    present = {office for _, _, pillar, office, _, _ in rows if f.p in (ALL, pillar)}
    offices = [f.office] if f.office else [*sorted(present), ALL]
    table = Table(
        "hours-per-office", "Contacts and hours per office", _WORKLOAD_COLUMNS, ["year", "office"]
    )
    for year in f.years:
        for office in offices:
            key = ("contacted", year, f.p, office, "")
            table.add({"year": year, "office": office}, _workload_cells(protected, sums, key))
    table.notes["office"] = f"{ALL} is every office of the slice"
    return table


async def _resolution_rows(
    reader: Reader, f: Filters, model: Any, column: Any, dimension: str
) -> tuple[list[Row], dict[tuple[int, str, str], list[int]]]:
    """Per closing year, pillar and office: how many resolved in each band, and their days."""

    async def build() -> tuple[list[Row], dict[tuple[int, str, str], list[int]]]:
        # Every slice reads the whole cube, so that no two answers differ in what they protect.
        query: Any
        if model is CaseFact and column is CaseFact.days_open:
            # From the rollup kept at ingestion (facts.models), not a scan of every case.
            query = select(
                CaseCount.year, CaseCount.pillar, CaseCount.office,
                cast(CaseCount.value, Integer), CaseCount.count,
            ).where(
                CaseCount.dimension == "days_open",
                CaseCount.year.between(f.from_year, f.to_year),
            )  # fmt: skip
        else:
            query = (
                select(model.closed_year, model.pillar, model.office, column, func.count())
                .where(model.closed_year.between(f.from_year, f.to_year), column.is_not(None))
                .group_by(model.closed_year, model.pillar, model.office, column)
            )
        bands: dict[Key, int] = defaultdict(int)
        days: dict[tuple[int, str, str], list[int]] = defaultdict(list)
        for year, pillar, office, n_days, n in await reader.session.execute(query):
            bands[(dimension, year, pillar, office, "")] += n
            bands[(f"{dimension}_band", year, pillar, office, _band(n_days))] += n
            for p, o in _margins(pillar, office):
                days[(year, p, o)] += [n_days] * n
        return [(*key, n) for key, n in bands.items()], days

    name = ("resolution", model.__tablename__, column.key, dimension, f.from_year, f.to_year)
    return await reader.cached(name, build)


def _resolution_cells(
    protected: Protected,
    days: dict[tuple[int, str, str], list[int]],
    f: Filters,
    year: int,
    dimension: str,
    prefix: str = "",
) -> dict[str, Cell]:
    resolved = protected.count((dimension, year, f.p, f.o, ""))
    found = days.get((year, f.p, f.o), [])
    cells = {
        f"{prefix}resolved": counted(resolved),
        # The days arrive as the first day of a class (a week, cut after 30, 90 and 180
        # days; docs/events.md): the median is the class it falls in, never between two.
        f"{prefix}median_days": valued(
            statistics.median_low(found) if resolved and found else None, resolved is None
        ),
    }
    within: int | None = 0
    for band in SHARES:
        count = protected.count((f"{dimension}_band", year, f.p, f.o, band))
        within = None if within is None or count is None else within + count
        # Like the shares, nothing of a slice whose resolved count is withheld (a zero there
        # would say that all of its few cases took longer).
        cells[f"{prefix}{band}"] = counted(None if resolved is None else within)
        cells[f"{prefix}{band}_share"] = valued(
            round(100 * within / resolved, 1) if within is not None and resolved else None,
            within is None or resolved is None,
        )
    return cells


async def time_to_resolution(reader: Reader, f: Filters) -> Table:
    """Time to resolution of cases (opened to closed, days), per year closed."""
    rows, days = await _resolution_rows(reader, f, CaseFact, CaseFact.days_open, "resolved")
    protected = protect(
        *cube(rows, {"resolved_band": "resolved"}), reader.threshold_of("case-resolution")
    )
    columns = ["resolved", "median_days", *_BAND_COLUMNS]
    table = Table("time-to-resolution", "Time to resolution of cases, in days", columns)
    for year in f.years:
        table.add({"year": year}, _resolution_cells(protected, days, f, year, "resolved"))
    table.notes["counted"] = "cases closed in the year, from the day they opened"
    table.notes["median_days"] = _CLASS_NOTE
    return table


async def mediation_time_to_resolution(reader: Reader, f: Filters) -> Table:
    """Time to resolution of mediations (opened or started to closed, days), per year closed."""
    opened, days_open = await _resolution_rows(
        reader, f, MediationFact, MediationFact.days_open, "resolved"
    )
    started, days_started = await _resolution_rows(
        reader, f, MediationFact, MediationFact.days_since_start, "mediated"
    )
    partitions = {"resolved_band": "resolved", "mediated_band": "mediated"}
    protected = protect(
        *cube(opened + started, partitions), reader.threshold_of("mediation-resolution")
    )
    columns = ["resolved", "median_days", *_BAND_COLUMNS]
    columns += [f"from_start_{c}" for c in columns]
    table = Table(
        "mediation-time-to-resolution", "Time to resolution of mediations, in days", columns
    )
    for year in f.years:
        cells = _resolution_cells(protected, days_open, f, year, "resolved")
        cells |= _resolution_cells(protected, days_started, f, year, "mediated", "from_start_")
        table.add({"year": year}, cells)
    table.notes["median_days"] = _CLASS_NOTE
    table.notes["counted"] = (
        "mediations closed in the year, from the day they opened; from_start_: those that "
        "started, from the day they started"
    )
    return table
