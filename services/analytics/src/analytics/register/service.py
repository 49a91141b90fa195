"""Reading the published register entries that belong in a year's report."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.register.models import PublishedSystemicIssue
from ombuds_shared.reference import Pillar


@dataclass(frozen=True)
class ReportedIssue:
    """An entry as a year's report shows it: its status as it stood in that year."""

    category: str
    title: str
    observation: str
    recommendation: str
    management_response: str
    first_reported_year: int
    status: str
    status_by_year: list[dict[str, object]]


async def reported_in(
    session: AsyncSession, *, year: int, pillar: Pillar | None, office: str | None
) -> list[ReportedIssue]:
    """The published entries first reported by `year` that concern the slice asked for
    (an entry naming no pillar or no office concerns them all)."""
    rows = await session.execute(
        select(PublishedSystemicIssue)
        .where(PublishedSystemicIssue.first_reported_year <= year)
        .order_by(PublishedSystemicIssue.category, PublishedSystemicIssue.title)
    )
    found = []
    for entry in rows.scalars():
        pillars, offices = json.loads(entry.pillars), json.loads(entry.offices)
        if pillar is not None and pillars and pillar.value not in pillars:
            continue
        if office is not None and offices and office not in offices:
            continue
        statuses = [s for s in json.loads(entry.status_by_year) if s["year"] <= year]
        found.append(
            ReportedIssue(
                category=entry.category,
                title=entry.title,
                observation=entry.observation,
                recommendation=entry.recommendation,
                management_response=entry.management_response,
                first_reported_year=entry.first_reported_year,
                status=str(statuses[-1]["status"]) if statuses else "open",
                status_by_year=statuses,
            )
        )
    return found
