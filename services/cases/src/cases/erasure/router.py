"""Erasure of a closed matter at its visitor's request: intake forwards the request (its
internal routes), the handler or the chief lists and confirms (the public routes)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from cases.case.dependencies import CaseReaderDep, OfficeCaseDep
from cases.erasure import service
from cases.erasure.schemas import (
    CaseErasureState,
    ErasureConfirmation,
    ErasureRequestPage,
    ErasureRequestRead,
)
from cases.message.router import VisitorsCaseDep
from cases.retention.runner import identity_destroyer
from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import SessionDep, state_of
from ombuds_shared.errors import PROBLEM_RESPONSES, Conflict, Forbidden
from ombuds_shared.openapi import problem_responses
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ombuds_shared.tokens import Caller

router = APIRouter(prefix="/v1", tags=["erasure"], responses=PROBLEM_RESPONSES)
internal_router = APIRouter(prefix="/v1/internal/cases", tags=["internal"])
IntakePeerDep = Annotated[Caller, Depends(require_peer("intake"))]


@internal_router.post(
    "/{case_id}/erasure-request",
    response_model=CaseErasureState,
    summary="Record the visitor's request that their closed case be erased (intake only)",
)
async def request_erasure(
    case: VisitorsCaseDep, session: SessionDep, caller: IntakePeerDep
) -> CaseErasureState:
    erasure = await service.request_erasure(
        session=session, case=case, actor=caller.actor, peer=caller.peer
    )
    return CaseErasureState.model_validate(erasure, from_attributes=True)


@router.get(
    "/case-erasure-requests",
    response_model=ErasureRequestPage,
    summary="Visitors' requests to erase their closed cases: the chief's office, or the "
    "cases an ombudsman handles",
)
async def list_erasure_requests(
    session: SessionDep,
    actor: CaseReaderDep,
    case_ids: Annotated[
        list[str], Query(alias="case_id", max_length=MAX_PAGE_SIZE, description="Only these cases.")
    ] = [],  # noqa: B006 - FastAPI copies the default
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> ErasureRequestPage:
    rows, next_cursor = await service.list_requests(
        session=session, actor=actor, cursor=cursor, limit=limit, case_ids=case_ids
    )
    return ErasureRequestPage(
        items=[ErasureRequestRead.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "/cases/{case_id}/erasure/confirm",
    response_model=ErasureConfirmation,
    status_code=status.HTTP_200_OK,
    summary="Confirm the visitor's request: the closed case's content and the visitor's "
    "identity are destroyed now (its handler, or the chief)",
    responses=problem_responses(
        (
            "not-assigned",
            Forbidden("Only the ombudsman assigned to this case, or the chief, may do this."),
        ),
        (
            "departed",
            Forbidden("You have left the office's roster; the chief reassigns your cases."),
        ),
        ("not-asked", Conflict("The visitor has not asked for this case to be erased.")),
        ("case-open", Conflict("Only a closed matter is erased; this case is still open.")),
        path="/v1/cases/{case_id}/erasure/confirm",
    ),
)
async def confirm_erasure(
    request: Request, case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> ErasureConfirmation:
    state = state_of(request.app)
    result = await service.confirm(
        session=session,
        session_maker=state.session_maker,
        key_store=state.key_store,
        destroy_identity=identity_destroyer(state.peers["intake"], state.signing_key),
        case=case,
        actor=actor,
    )
    return ErasureConfirmation.model_validate(result)
