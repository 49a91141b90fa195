from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status

from intake.message import service as case_side
from intake.request import service
from intake.request.dependencies import (
    OfficeRequestDep,
    OmbudsmanDep,
    ReadableRequestDep,
    ReaderDep,
    SubmitterDep,
    TriagerDep,
)
from intake.request.schemas import (
    INFORMALITY_NOTICE,
    ConflictCreate,
    ConflictRead,
    DeclineBody,
    IntakeAcknowledgement,
    IntakeCreate,
    IntakePage,
    IntakeRead,
    RequestStatus,
    TriageResult,
    WalkInCreate,
)
from intake.state import intake_state
from intake.vault import service as vault
from ombuds_shared.app import peer_token
from ombuds_shared.dependencies import EnvelopeDep, SessionDep, state_of
from ombuds_shared.errors import (
    PROBLEM_RESPONSES,
    BadRequest,
    Conflict,
    Forbidden,
    IdempotencyConflict,
    ValidationFailed,
)
from ombuds_shared.http import ServiceClient
from ombuds_shared.i18n import current_language, direction, translate
from ombuds_shared.openapi import problem_responses
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import Channel

router = APIRouter(prefix="/v1/intake/requests", tags=["intake"], responses=PROBLEM_RESPONSES)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Makes the submission safe to retry: the same key gives the same request. "
        "Required for HR portals and referring offices.",
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=IntakeAcknowledgement,
    summary="Ask the office for help (visitor, HR portal or referring office)",
    responses=problem_responses(
        (
            "idempotency-key-missing",
            BadRequest("Integrations must send an Idempotency-Key header with each submission."),
        ),
        IdempotencyConflict("This Idempotency-Key was already used for a different request."),
        path="/v1/intake/requests",
    ),
)
async def submit_request(
    data: IntakeCreate,
    request: Request,
    envelope: EnvelopeDep,
    response: Response,
    actor: SubmitterDep,
    idempotency_key: IdempotencyKey = None,
) -> IntakeAcknowledgement:
    # No SessionDep: the submission is inserted with those arriving with it (see service.submit).
    submitted = await service.submit(
        engine=state_of(request.app).engine,
        inserts=intake_state(request.app).submission_inserts,
        envelope=envelope,
        fingerprint_key=intake_state(request.app).fingerprint_key,
        actor=actor,
        data=data,
        idempotency_key=idempotency_key,
    )
    acknowledgement, headers = _acknowledged(submitted, actor)
    response.headers.update(headers)
    return acknowledgement


def _acknowledged(
    submitted: service.Submitted, actor: Actor
) -> tuple[IntakeAcknowledgement, dict[str, str]]:
    """What a submitter is told, and the headers that go with it."""
    headers = {"Location": f"/v1/intake/requests/{submitted.reference}"}
    if submitted.replayed:
        headers["Idempotent-Replayed"] = "true"
    # An integration learns nothing after the fact, not even a later status.
    shown_status = submitted.status if actor.has_any("visitor") else RequestStatus.SUBMITTED
    acknowledgement = IntakeAcknowledgement(
        reference=submitted.reference,
        status=RequestStatus(shown_status),
        submitted_at=submitted.submitted_at,
        notice=translate(INFORMALITY_NOTICE),
        notice_language=current_language(),
        notice_direction=direction(current_language()),
        receipt_code=submitted.receipt_code,
    )
    return acknowledgement, headers


@router.get("", response_model=IntakePage, summary="Your requests, or your office's queue")
async def list_requests(
    request: Request,
    envelope: EnvelopeDep,
    session: SessionDep,
    actor: ReaderDep,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> IntakePage:
    submitter_key = intake_state(request.app).submitter_key
    rows, next_cursor = await service.list_requests(
        session=session,
        actor=actor,
        status=status_,
        cursor=cursor,
        limit=limit,
        submitter_key=submitter_key,
    )
    # A list is for finding a request, not for knowing who asked: the office opens one
    # request (audited) to see the identity. A visitor's own list is theirs to see.
    items = []
    for row in rows:
        own = service.is_own(actor, row, submitter_key)
        identity = await vault.reveal(envelope=envelope, visitor=row.visitor) if own else None
        items.append(
            await service.to_read(
                request=row, actor=actor, envelope=envelope, identity=identity, own=own
            )
        )
    return IntakePage(items=items, next_cursor=next_cursor)


@router.get("/{reference}", response_model=IntakeRead, summary="Read one request")
async def read_request(
    request: Request,
    envelope: EnvelopeDep,
    intake: ReadableRequestDep,
    session: SessionDep,
    actor: ReaderDep,
) -> IntakeRead:
    submitter_key = intake_state(request.app).submitter_key
    read = await service.reveal_for_read(
        session=session,
        request=intake,
        actor=actor,
        envelope=envelope,
        submitter_key=submitter_key,
    )
    if service.is_own(actor, intake, submitter_key) and intake.case_id is not None:
        # The visitor learns that a message waits, and the case's status; no content.
        view = await case_side.case_view(app=request.app, request=intake)
        read.case_status, read.messages_waiting = view.status, view.messages_waiting
    return read


@router.post(
    "/{reference}/conflict-declarations",
    response_model=ConflictRead,
    status_code=status.HTTP_201_CREATED,
    summary="Declare a conflict of interest with a request before triage (ombudsman; final)",
)
async def declare_conflict(
    body: ConflictCreate, intake: OfficeRequestDep, session: SessionDep, actor: OmbudsmanDep
) -> ConflictRead:
    if not body.has_conflict:
        raise ValidationFailed(
            "Only a conflict is declared on a request (has_conflict: true); a declared "
            "conflict cannot be withdrawn.",
            field="has_conflict",
        )
    declaration = await service.declare_conflict(session=session, request=intake, actor=actor)
    return ConflictRead(
        reference=intake.reference,
        ombudsman=declaration.ombudsman,
        declared_at=declaration.declared_at,
    )


def _case_opener(request: Request, actor: Actor) -> service.OpenCase:
    """Opens the case of an accepted request in the cases service, idempotently."""
    cases: ServiceClient = state_of(request.app).peers["cases"]

    async def open_case(payload: dict[str, Any]) -> dict[str, Any]:
        token = peer_token(request.app, "cases", actor)
        result: dict[str, Any] = await cases.call(
            "POST",
            "/v1/internal/cases",
            token=token,
            json_body=payload,
            idempotency_key=payload["intake_request_id"],
        )
        return result

    return open_case


walk_in_router = APIRouter(
    prefix="/v1/intake/walk-ins", tags=["intake"], responses=PROBLEM_RESPONSES
)


@walk_in_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TriageResult,
    responses=problem_responses(
        Conflict("This request was declined meanwhile."),
        IdempotencyConflict("This Idempotency-Key was already used for a different request."),
        path="/v1/intake/walk-ins",
    ),
    summary="Record a visitor who came in person, called or wrote (ombudsman of the office)",
)
async def record_walk_in(
    data: WalkInCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: OmbudsmanDep,
    idempotency_key: IdempotencyKey = None,
) -> TriageResult:
    if data.office not in (None, actor.office):
        raise Forbidden("An ombudsman records visitors for their own office only.")
    office_data = data.model_copy(update={"office": actor.office})
    state = state_of(request.app)
    own = intake_state(request.app)
    submitted = await service.submit(
        engine=state.engine,
        inserts=own.submission_inserts,
        envelope=state.envelope,
        fingerprint_key=own.fingerprint_key,
        actor=actor,
        data=office_data,
        idempotency_key=idempotency_key,
        channel=Channel(data.channel.value),
    )
    response.headers["Location"] = f"/v1/intake/requests/{submitted.reference}"
    intake = await service.get_by_reference(session=session, reference=submitted.reference)
    assert intake is not None
    if data.accept:
        intake = await service.accept(
            session=session, request=intake, actor=actor, open_case=_case_opener(request, actor)
        )
    else:
        await session.commit()
    result = _triage_result(intake)
    result.receipt_code = submitted.receipt_code  # shown once, to hand to the visitor
    return result


@router.post(
    "/{reference}/accept",
    response_model=TriageResult,
    summary="Accept a request: the case is opened in the cases service",
)
async def accept_request(
    request: Request, intake: OfficeRequestDep, session: SessionDep, actor: TriagerDep
) -> TriageResult:
    accepted = await service.accept(
        session=session, request=intake, actor=actor, open_case=_case_opener(request, actor)
    )
    return _triage_result(accepted)


@router.post(
    "/{reference}/decline",
    response_model=TriageResult,
    summary="Decline a request, with a reason (the office's discretion)",
)
async def decline_request(
    body: DeclineBody,
    request: Request,
    envelope: EnvelopeDep,
    intake: OfficeRequestDep,
    session: SessionDep,
    actor: TriagerDep,
) -> TriageResult:
    declined = await service.decline(
        session=session,
        envelope=envelope,
        request=intake,
        actor=actor,
        body=body,
    )
    return _triage_result(declined)


def _triage_result(intake: Any) -> TriageResult:
    return TriageResult(
        reference=intake.reference, status=RequestStatus(intake.status), case_id=intake.case_id
    )
