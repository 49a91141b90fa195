from typing import Annotated

from fastapi import APIRouter, Path

from analytics.dependencies import AnalystDep
from analytics.headcount import service
from analytics.headcount.schemas import HeadcountList, HeadcountRead, HeadcountUpdate
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.reference import Pillar

router = APIRouter(
    prefix="/v1/analytics/headcounts", tags=["analytics"], responses=PROBLEM_RESPONSES
)

Year = Annotated[int, Path(ge=1990, le=2100)]


@router.put(
    "/{year}/{pillar}",
    response_model=HeadcountRead,
    summary="Upload a pillar's staff headcounts for a year (for utilization rates)",
)
async def put_headcount(
    year: Year, pillar: Pillar, data: HeadcountUpdate, session: SessionDep, _: AnalystDep
) -> HeadcountRead:
    return await service.put(session=session, year=year, pillar=pillar, data=data)


@router.get("", response_model=HeadcountList, summary="Uploaded staff headcounts")
async def list_headcounts(session: SessionDep, _: AnalystDep) -> HeadcountList:
    return HeadcountList(items=await service.list_all(session=session))
