from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.office.models import Office
from analytics.outreach.models import OutreachActivity
from analytics.outreach.schemas import ActivityType, OutreachCreate, OutreachRead
from ombuds_shared.errors import ValidationFailed


async def record(*, session: AsyncSession, data: OutreachCreate) -> OutreachRead:
    """Records an activity under its office (and so its pillar)."""
    office = await session.get(Office, data.office)
    if office is None:
        raise ValidationFailed("No such office.", errors=[{"loc": ["body", "office"]}])
    activity = OutreachActivity(
        activity_type=data.activity_type.value,
        held_on=data.held_on,
        year=data.held_on.year,
        office=office.code,
        pillar=office.pillar,
        participants=data.participants,
    )
    session.add(activity)
    await session.commit()
    return to_read(activity)


async def list_year(*, session: AsyncSession, year: int | None) -> list[OutreachRead]:
    """Activities, of one year or all, oldest first."""
    query = select(OutreachActivity).order_by(OutreachActivity.held_on, OutreachActivity.id)
    if year is not None:
        query = query.where(OutreachActivity.year == year)
    return [to_read(a) for a in (await session.execute(query)).scalars()]


def to_read(activity: OutreachActivity) -> OutreachRead:
    return OutreachRead(
        id=activity.id,
        activity_type=ActivityType(activity.activity_type),
        held_on=activity.held_on,
        office=activity.office,
        pillar=activity.pillar,
        participants=activity.participants,
    )
