from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.survey.models import DIMENSIONS, ExitResponse, WorkplaceResponse
from analytics.survey.schemas import ExitAnswer, WorkplaceUpload
from ombuds_shared.db import utcnow


async def upload_workplace(*, session: AsyncSession, data: WorkplaceUpload) -> int:
    """Stores a batch of anonymous workplace-survey responses."""
    rows = [
        {
            "year": r.year,
            "pillar": r.pillar.value,
            "office": r.office,
            "conflict": r.conflict_last_three_months,
            "stressed": r.stress_above_acceptable,
            "hours_on_conflict": r.hours_per_week_on_conflict,
            **{d: r.dimensions.get(d) for d in DIMENSIONS},
        }
        for r in data.responses
    ]
    await session.execute(insert(WorkplaceResponse), rows)
    await session.commit()
    return len(rows)


async def answer_exit(*, session: AsyncSession, data: ExitAnswer) -> None:
    """Stores an exit-survey answer under the current year and nothing else."""
    session.add(ExitResponse(year=utcnow().year, **data.model_dump()))
    await session.commit()
