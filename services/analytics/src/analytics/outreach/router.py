from typing import Annotated

from fastapi import APIRouter, Query, status

from analytics.dependencies import AnalystDep
from analytics.outreach import service
from analytics.outreach.schemas import OutreachCreate, OutreachList, OutreachRead
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/analytics/outreach", tags=["analytics"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OutreachRead,
    summary="Record an outreach activity (type, date, office, number of participants)",
)
async def record_outreach(data: OutreachCreate, session: SessionDep, _: AnalystDep) -> OutreachRead:
    return await service.record(session=session, data=data)


@router.get("", response_model=OutreachList, summary="Recorded outreach activities")
async def list_outreach(
    session: SessionDep,
    _: AnalystDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> OutreachList:
    return OutreachList(items=await service.list_year(session=session, year=year))
