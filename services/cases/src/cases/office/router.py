"""What the roster tells a chief: the open cases of departed members, to reassign."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from cases.case.dependencies import ChiefDep
from cases.case.models import CaseFile
from cases.office.models import StaffMember
from ombuds_shared.dependencies import ReadSessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.pagination import MAX_PAGE_SIZE

router = APIRouter(prefix="/v1", tags=["cases"], responses=PROBLEM_RESPONSES)


class Reassignment(BaseModel):
    case_id: str
    assigned_to: str
    status: str
    opened_at: dt.datetime


class ReassignmentList(BaseModel):
    items: list[Reassignment]


@router.get(
    "/case-reassignments",
    response_model=ReassignmentList,
    summary="Open cases of your office whose ombudsman has left (chief only), oldest first",
)
async def reassignments(
    session: ReadSessionDep,
    actor: ChiefDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE,
) -> ReassignmentList:
    departed = select(StaffMember.subject).where(StaffMember.active.is_(False))
    rows = await session.execute(
        select(CaseFile.id, CaseFile.assigned_to, CaseFile.status, CaseFile.opened_at)
        .where(
            CaseFile.office == actor.office,
            CaseFile.status != "closed",
            CaseFile.destroyed_at.is_(None),
            CaseFile.assigned_to.in_(departed),
        )
        .order_by(CaseFile.opened_at, CaseFile.id)
        .limit(limit)
    )
    return ReassignmentList(
        items=[
            Reassignment(
                case_id=r.id, assigned_to=r.assigned_to, status=r.status, opened_at=r.opened_at
            )
            for r in rows
        ]
    )
