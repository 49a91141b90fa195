from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.headcount.models import StaffHeadcount
from analytics.headcount.schemas import HeadcountRead, HeadcountUpdate
from ombuds_shared.reference import Pillar


async def put(
    *, session: AsyncSession, year: int, pillar: Pillar, data: HeadcountUpdate
) -> HeadcountRead:
    """Sets the headcounts of a pillar for a year (replacing any earlier upload)."""
    row = await session.get(StaffHeadcount, (year, pillar.value))
    if row is None:
        row = StaffHeadcount(year=year, pillar=pillar.value)
        session.add(row)
    row.international = data.international
    row.national = data.national
    await session.commit()
    return HeadcountRead(
        year=year, pillar=pillar, international=row.international, national=row.national
    )


async def list_all(*, session: AsyncSession) -> list[HeadcountRead]:
    """Every uploaded headcount, by year and pillar."""
    rows = await session.execute(
        select(StaffHeadcount).order_by(StaffHeadcount.year, StaffHeadcount.pillar)
    )
    return [
        HeadcountRead(
            year=r.year, pillar=Pillar(r.pillar), international=r.international, national=r.national
        )
        for r in rows.scalars()
    ]
