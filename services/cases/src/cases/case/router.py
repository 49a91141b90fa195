import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from cases.case import service
from cases.case.dependencies import CaseReaderDep, HandledCaseDep, ReadableCaseDep
from cases.case.models import CaseRow
from cases.case.schemas import (
    CaseCreate,
    CaseFromIntake,
    CaseOrder,
    CasePage,
    CaseRead,
    CaseStatusRead,
    StatusChangeCreate,
    StatusChangeRead,
)
from cases.state import cases_state
from ombuds_shared.auth import require_peer, require_user
from ombuds_shared.dependencies import EnvelopeDep, ReadSessionDep, SessionDep, state_of
from ombuds_shared.errors import PROBLEM_RESPONSES, Conflict
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ombuds_shared.tokens import Actor, Caller, mint_exit_survey_token
from ombuds_shared.vocabulary import CaseStatus

router = APIRouter(prefix="/v1/cases", tags=["cases"], responses=PROBLEM_RESPONSES)
internal_router = APIRouter(prefix="/v1/internal/cases", tags=["internal"])


@router.get("", response_model=CasePage, summary="List and search the cases of your office")
async def list_cases(
    session: SessionDep,
    actor: CaseReaderDep,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    opened_from: dt.date | None = None,
    opened_to: dt.date | None = None,
    issue_category: Annotated[str | None, Query(pattern=r"^[1-9](\.[a-z])?$")] = None,
    order: CaseOrder = CaseOrder.NEWEST_FIRST,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> CasePage:
    rows, next_cursor = await service.list_for_office(
        session=session,
        actor=actor,
        office=actor.office or "",
        status=status_,
        assignee=assignee,
        opened_from=opened_from,
        opened_to=opened_to,
        issue_category=issue_category,
        order=order,
        cursor=cursor,
        limit=limit,
    )
    return CasePage(items=[CaseRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "",
    response_model=CaseRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open a case in your office (walk-in visitor, group process)",
)
async def open_case(
    data: CaseCreate,
    envelope: EnvelopeDep,
    request: Request,
    response: Response,
    actor: Annotated[Actor, Depends(require_user("ombudsman", "chief"))],
) -> CaseRead:
    case = await service.open_case(
        openings=cases_state(request.app).case_openings, envelope=envelope, actor=actor, data=data
    )
    response.headers["Location"] = f"/v1/cases/{case.id}"
    return CaseRead.model_validate(case)


@router.get("/{case_id}", response_model=CaseRead, summary="Read a case of your office")
async def read_case(case_id: str, request: Request, actor: CaseReaderDep) -> CaseRow:
    # The busiest read: Core columns, fetched with the reads arriving with it, and
    # recorded through the group-committing read log (see service.read).
    own = cases_state(request.app)
    return await service.read(
        reads=own.case_reads, read_log=own.read_log, case_id=case_id, actor=actor
    )


@router.post(
    "/{case_id}/status",
    response_model=CaseStatusRead,
    summary="Move the case on: in progress, on hold, or closed with a reason (assigned "
    "ombudsman); closing hands over the visitor's one-time exit-survey token",
)
async def change_status(
    data: StatusChangeCreate,
    case: HandledCaseDep,
    session: SessionDep,
    actor: CaseReaderDep,
    request: Request,
) -> CaseStatusRead:
    if case.destroyed_at is not None:
        raise Conflict("This case's content was destroyed; it no longer changes.")
    row = await service.change_status(session=session, case=case, actor=actor, data=data)
    read = CaseStatusRead.model_validate(row)
    if data.status == CaseStatus.CLOSED:
        # Closed is final, so one token per case; it is kept nowhere but in this answer.
        read.exit_survey_token = mint_exit_survey_token(
            state_of(request.app).signing_key, issuer="cases"
        )
    return read


@router.get(
    "/{case_id}/status-history",
    response_model=list[StatusChangeRead],
    summary="The case's status history",
)
async def status_history(
    case: ReadableCaseDep, session: ReadSessionDep, actor: CaseReaderDep
) -> list[StatusChangeRead]:
    rows = await service.status_history(session=session, case=case, actor=actor)
    return [StatusChangeRead.model_validate(r) for r in rows]


@internal_router.post(
    "",
    response_model=CaseRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open the case of an accepted intake request (intake only; idempotent)",
)
async def open_case_from_intake(
    data: CaseFromIntake,
    envelope: EnvelopeDep,
    request: Request,
    response: Response,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_peer("intake"))],
) -> CaseRead:
    case, created = await service.open_from_intake(
        session=session,
        openings=cases_state(request.app).case_openings,
        envelope=envelope,
        data=data,
        actor=caller.actor,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return CaseRead.model_validate(case)
