"""What the roster tells a chief: the open mediations of departed mediators, to reassign."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from mediation.case.dependencies import ChiefDep
from mediation.case.models import Mediation
from mediation.office.models import StaffMember
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.pagination import MAX_PAGE_SIZE

router = APIRouter(prefix="/v1", tags=["mediations"], responses=PROBLEM_RESPONSES)


class MediationReassignment(BaseModel):
    mediation_id: str
    mediator: str
    status: str
    opened_at: dt.datetime


class MediationReassignmentList(BaseModel):
    items: list[MediationReassignment]


@router.get(
    "/mediation-reassignments",
    response_model=MediationReassignmentList,
    summary="Open mediations of your office whose mediator has left (chief only), oldest first",
)
async def reassignments(
    session: SessionDep,
    actor: ChiefDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE,
) -> MediationReassignmentList:
    departed = select(StaffMember.subject).where(StaffMember.active.is_(False))
    rows = await session.execute(
        select(Mediation.id, Mediation.mediator, Mediation.status, Mediation.opened_at)
        .where(
            Mediation.office == actor.office,
            Mediation.status != "closed",
            Mediation.mediator.in_(departed),
        )
        .order_by(Mediation.opened_at, Mediation.id)
        .limit(limit)
    )
    return MediationReassignmentList(
        items=[
            MediationReassignment(
                mediation_id=r.id, mediator=r.mediator, status=r.status, opened_at=r.opened_at
            )
            for r in rows
        ]
    )
