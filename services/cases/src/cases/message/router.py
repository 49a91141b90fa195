"""Secure messages: the assigned ombudsman's side here, the visitor's side for intake only."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from cases.case import service as case_service
from cases.case.dependencies import CONTENT_DESTROYED, LiveCaseDep, OmbudsmanDep
from cases.case.models import CaseRow
from cases.message import service
from cases.message.schemas import CaseMessageRead, MessageCreate, Sender, VisitorView
from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES, Conflict, Forbidden, NotFound
from ombuds_shared.openapi import problem_responses
from ombuds_shared.tokens import Actor, Caller

router = APIRouter(
    prefix="/v1/cases/{case_id}/messages",
    tags=["messages"],
    responses={**PROBLEM_RESPONSES, **CONTENT_DESTROYED},
)
_CLOSED = problem_responses(
    ("case-closed", Conflict("This case is closed: no more messages are exchanged on it."))
)


@router.post(
    "",
    response_model=CaseMessageRead,
    status_code=status.HTTP_201_CREATED,
    responses=_CLOSED,
    summary="Send the visitor a secure message (assigned ombudsman only)",
)
async def send_message(
    data: MessageCreate,
    envelope: EnvelopeDep,
    case: LiveCaseDep,
    session: SessionDep,
    actor: OmbudsmanDep,
) -> CaseMessageRead:
    return await service.send(
        session=session,
        envelope=envelope,
        case=case,
        actor=actor,
        sender=Sender.HANDLER,
        data=data,
    )


@router.get(
    "",
    response_model=list[CaseMessageRead],
    summary="Read the messages exchanged with the visitor (assigned ombudsman only; audited)",
)
async def read_messages(
    envelope: EnvelopeDep, case: LiveCaseDep, session: SessionDep, actor: OmbudsmanDep
) -> list[CaseMessageRead]:
    return await service.read_all(
        session=session,
        envelope=envelope,
        case=case,
        actor=actor,
        reader=Sender.HANDLER,
    )


internal_router = APIRouter(prefix="/v1/internal/cases/{case_id}", tags=["internal"])
IntakePeerDep = Annotated[Caller, Depends(require_peer("intake"))]


async def visitors_case(case_id: str, session: SessionDep, caller: IntakePeerDep) -> CaseRow:
    """The case, if intake vouches (in its own signed token) that its acting visitor
    submitted the request this case was opened from."""
    actor = caller.actor
    if actor is None or not actor.has_any("visitor"):
        raise Forbidden("Only a case's visitor reaches it here, through intake.")
    found = await case_service.get_row_and_request(session=session, case_id=case_id)
    if found is None or found[1] is None:
        raise NotFound("No such case.")
    case, intake_request_id = found
    if caller.asserts.get("request") != intake_request_id:
        raise Forbidden("The caller does not vouch for this case's visitor.")
    return case


VisitorsCaseDep = Annotated[CaseRow, Depends(visitors_case)]


def _actor(caller: Caller) -> Actor:
    assert caller.actor is not None  # checked by visitors_case
    return caller.actor


@internal_router.get("/visitor-view", response_model=VisitorView)
async def visitor_view(case: VisitorsCaseDep, session: SessionDep) -> VisitorView:
    return await service.visitor_view(session=session, case=case)


@internal_router.get("/messages", response_model=list[CaseMessageRead])
async def visitor_reads_messages(
    envelope: EnvelopeDep, case: VisitorsCaseDep, session: SessionDep, caller: IntakePeerDep
) -> list[CaseMessageRead]:
    return await service.read_all(
        session=session,
        envelope=envelope,
        case=case,
        actor=_actor(caller),
        reader=Sender.VISITOR,
    )


@internal_router.post(
    "/messages", response_model=CaseMessageRead, status_code=status.HTTP_201_CREATED
)
async def visitor_sends_message(
    data: MessageCreate,
    envelope: EnvelopeDep,
    case: VisitorsCaseDep,
    session: SessionDep,
    caller: IntakePeerDep,
) -> CaseMessageRead:
    return await service.send(
        session=session,
        envelope=envelope,
        case=case,
        actor=_actor(caller),
        sender=Sender.VISITOR,
        data=data,
    )
