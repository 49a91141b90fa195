from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status

from mediation.case import service
from mediation.case.dependencies import MediationDep, PartyDep, SettingsDep, WorkerDep
from mediation.case.schemas import (
    Agreement,
    AgreementRecord,
    CloseBody,
    ConflictDeclarationCreate,
    ConflictDeclarationRead,
    MediationClosed,
    MediationCreate,
    MediationFromCase,
    MediationOrder,
    MediationPage,
    MediationRead,
    MediationStatus,
    MediatorAssignment,
    PartyCreate,
    PartyRead,
    ReferralAcceptance,
    StartBody,
)
from mediation.party import service as party_service
from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import SessionDep, state_of
from ombuds_shared.errors import PROBLEM_RESPONSES, Forbidden
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ombuds_shared.tokens import Caller, mint_exit_survey_token

router = APIRouter(prefix="/v1/mediations", tags=["mediations"], responses=PROBLEM_RESPONSES)
internal_router = APIRouter(prefix="/v1/internal/mediations", tags=["internal"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MediationRead,
    summary="Open a mediation on a referral",
)
async def open_mediation(
    data: MediationCreate, response: Response, session: SessionDep, actor: WorkerDep
) -> MediationRead:
    mediation = await service.open_mediation(session=session, data=data, actor=actor)
    response.headers["Location"] = f"/v1/mediations/{mediation.id}"
    return service.to_read(mediation)


@router.get(
    "",
    response_model=MediationPage,
    summary="Mediations of your office; filter those running out",
)
async def list_mediations(
    session: SessionDep,
    actor: WorkerDep,
    settings: SettingsDep,
    status_: Annotated[MediationStatus | None, Query(alias="status")] = None,
    due_soon: Annotated[
        bool, Query(description="Only mediations with a clock due within the warning period.")
    ] = False,
    due_within_days: Annotated[int | None, Query(ge=0, le=365)] = None,
    order: MediationOrder = MediationOrder.NEWEST_FIRST,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> MediationPage:
    if due_soon and due_within_days is None:
        due_within_days = settings.deadline_warning_days
    rows, next_cursor = await service.list_mediations(
        session=session,
        actor=actor,
        status=status_,
        due_within_days=due_within_days,
        order=order,
        cursor=cursor,
        limit=limit,
    )
    return MediationPage(items=[service.to_read(m) for m in rows], next_cursor=next_cursor)


@router.get("/{mediation_id}", response_model=MediationRead, summary="Read a mediation")
async def read_mediation(mediation: MediationDep) -> MediationRead:
    return service.to_read(mediation)


@router.post(
    "/{mediation_id}/accept",
    response_model=MediationRead,
    summary="Accept the referral on a date (referred -> agreement_pending); the tribunal's "
    "suspension runs from it",
)
async def accept_referral(
    mediation: MediationDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: WorkerDep,
    data: Annotated[ReferralAcceptance | None, Body()] = None,
) -> MediationRead:
    await service.accept_referral(
        session=session,
        mediation=mediation,
        data=data or ReferralAcceptance(),
        settings=settings,
        actor=actor,
    )
    return service.to_read(mediation)


@router.post(
    "/{mediation_id}/parties",
    status_code=status.HTTP_201_CREATED,
    response_model=PartyRead,
    summary="Add a party: its identity (sealed in intake's vault) or an opaque reference",
)
async def add_party(
    data: PartyCreate,
    request: Request,
    mediation: MediationDep,
    session: SessionDep,
    actor: WorkerDep,
) -> PartyRead:
    party = await party_service.add(
        app=request.app, session=session, mediation=mediation, actor=actor, data=data
    )
    return PartyRead.model_validate(party, from_attributes=True)


@router.post(
    "/{mediation_id}/parties/{party_id}/agreement",
    response_model=MediationRead,
    summary="Record a party's agreement to mediate, or refusal (which closes the mediation)",
)
async def record_agreement(
    data: AgreementRecord,
    mediation: MediationDep,
    party: PartyDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: WorkerDep,
) -> MediationRead:
    await service.record_agreement(
        session=session,
        mediation=mediation,
        party=party,
        data=data,
        settings=settings,
        actor=actor,
    )
    return service.to_read(mediation)


@router.post(
    "/{mediation_id}/declarations",
    status_code=status.HTTP_201_CREATED,
    response_model=ConflictDeclarationRead,
    summary="Declare, as a mediator, whether you have a conflict of interest",
)
async def declare(
    data: ConflictDeclarationCreate, mediation: MediationDep, session: SessionDep, actor: WorkerDep
) -> ConflictDeclarationRead:
    if not actor.has_any("mediator"):
        raise Forbidden("Only mediators declare on their own conflicts of interest.")
    declaration = await service.declare(
        session=session, mediation=mediation, actor=actor, has_conflict=data.has_conflict
    )
    return ConflictDeclarationRead.model_validate(declaration, from_attributes=True)


@router.put(
    "/{mediation_id}/mediator",
    response_model=MediationRead,
    summary="Assign a mediator who declared no conflict of interest",
)
async def assign_mediator(
    data: MediatorAssignment, mediation: MediationDep, session: SessionDep, actor: WorkerDep
) -> MediationRead:
    await service.assign(session=session, mediation=mediation, actor=actor, mediator=data.mediator)
    return service.to_read(mediation)


@router.post(
    "/{mediation_id}/start",
    response_model=MediationRead,
    summary="Start the mediation (every party agreed): agreement_pending -> in_mediation",
)
async def start_mediation(
    data: StartBody, mediation: MediationDep, session: SessionDep, actor: WorkerDep
) -> MediationRead:
    await service.start(session=session, mediation=mediation, data=data, actor=actor)
    return service.to_read(mediation)


@router.post(
    "/{mediation_id}/close",
    response_model=MediationClosed,
    summary="Close with an outcome the current status allows; hands over a one-time "
    "exit-survey token per party",
)
async def close_mediation(
    data: CloseBody,
    mediation: MediationDep,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> MediationClosed:
    await service.close(session=session, mediation=mediation, data=data, settings=settings)
    # A closed mediation stays closed, so each party is offered one token; none is kept. Only
    # a mediation that really ran hands any over, and only to the parties who agreed to it:
    # one opened and withdrawn (or declined) mints nothing to stuff the survey with.
    tokens = (
        [
            mint_exit_survey_token(state_of(request.app).signing_key, issuer="mediation")
            for party in mediation.parties
            if party.agreement == Agreement.AGREED
        ]
        if mediation.started_on is not None
        else []
    )
    return MediationClosed(**service.to_read(mediation).model_dump(), exit_survey_tokens=tokens)


@internal_router.post(
    "",
    response_model=MediationRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open the mediation of an ombudsman case (cases only; idempotent per case)",
)
async def open_from_case(
    data: MediationFromCase,
    response: Response,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_peer("cases"))],
) -> MediationRead:
    opened_by = caller.actor.subject if caller.actor else "service:cases"
    mediation, created = await service.open_from_case(
        session=session, data=data, opened_by=opened_by
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return service.to_read(mediation)
