"""The rollup rebuilt from the facts: for bulk loads, and to check the incremental upkeep."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, case, cast, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.events.models import DataVersion
from analytics.facts.models import KNOWN_CHANNELS, CaseCount, CaseFact, CaseIssue, CaseTag
from ombuds_shared.reference import OccupationalGroup


async def rebuild_rollups(*, session: AsyncSession) -> None:
    """Recomputes `case_count` from the case facts in one transaction (the same figures
    ingestion keeps incrementally)."""
    f, i = CaseFact, CaseIssue
    await session.execute(delete(CaseCount))
    columns = ["dimension", "year", "pillar", "office", "value", "count"]
    by_case = [f.opened_year, f.pillar, f.office]
    for dimension, value in (
        ("opened", literal("")),
        ("location", f.location),
        ("occupational_group", f.occupational_group),
        (
            "intake_channel",
            case((f.intake_channel.in_(sorted(KNOWN_CHANNELS)), f.intake_channel), else_="other"),
        ),
    ):
        await session.execute(
            insert(CaseCount).from_select(
                columns,
                select(literal(dimension), *by_case, value, func.count()).group_by(*by_case, value),
            )
        )
    await session.execute(
        insert(CaseCount).from_select(
            columns,
            select(literal("issue_code"), *by_case, i.issue_code, func.count())
            .join(i, i.case_key == f.case_key)
            .group_by(*by_case, i.issue_code),
        )
    )
    # A case counts once per category, however many of its sub-categories it raises.
    categories = select(i.case_key, i.category).distinct().subquery("case_category")
    for dimension, only_non_staff in (("category", False), ("non_staff_category", True)):
        query = (
            select(literal(dimension), *by_case, categories.c.category, func.count())
            .join(categories, categories.c.case_key == f.case_key)
            .group_by(*by_case, categories.c.category)
        )
        if only_non_staff:
            query = query.where(f.occupational_group == OccupationalGroup.NON_STAFF.value)
        await session.execute(insert(CaseCount).from_select(columns, query))
    await session.execute(
        insert(CaseCount).from_select(
            columns,
            select(literal("systemic_issue"), *by_case, CaseTag.systemic_issue, func.count())
            .join(CaseTag, CaseTag.case_key == f.case_key)
            .group_by(*by_case, CaseTag.systemic_issue),
        )
    )
    # The contact log's sums per opening year (of cases with a contact logged), and the
    # days from opening to closing per closing year: workload statistics read these.
    contacted = f.contacts > 0
    measures: list[tuple[str, Any]] = [
        ("contacted", func.count()),
        ("contacts", func.sum(f.contacts)),
        ("contact_minutes", func.sum(f.contact_minutes)),
    ]
    for dimension, measure in measures:
        await session.execute(
            insert(CaseCount).from_select(
                columns,
                select(literal(dimension), *by_case, literal(""), measure)
                .where(contacted)
                .group_by(*by_case),
            )
        )
    by_closing = [f.closed_year, f.pillar, f.office]
    await session.execute(
        insert(CaseCount).from_select(
            columns,
            select(literal("days_open"), *by_closing, cast(f.days_open, String), func.count())
            .where(f.closed_year.is_not(None), f.days_open.is_not(None))
            .group_by(*by_closing, f.days_open),
        )
    )
    await session.execute(update(DataVersion).values(version=DataVersion.version + 1))
    await session.commit()
