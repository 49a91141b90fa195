"""Offices and the staff roster: administered here, read by every role as reference data."""

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from intake.directory import service
from intake.directory.schemas import (
    OfficeClose,
    OfficeCreate,
    OfficeList,
    OfficeRead,
    OfficeUpdate,
    SignIn,
    SignInResult,
    StaffCreate,
    StaffList,
)
from intake.office.models import Office
from intake.state import intake_state
from ombuds_shared.auth import require_user
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.directory import StaffRead
from ombuds_shared.errors import (
    PROBLEM_RESPONSES,
    Conflict,
    NotFound,
    ValidationFailed,
)
from ombuds_shared.openapi import problem_responses
from ombuds_shared.reference import Role
from ombuds_shared.tokens import Actor

router = APIRouter(prefix="/v1", tags=["directory"], responses=PROBLEM_RESPONSES)

AdministratorDep = Annotated[Actor, Depends(require_user(Role.ADMINISTRATOR))]
RosterReaderDep = Annotated[Actor, Depends(require_user(Role.ADMINISTRATOR, Role.CHIEF))]
AnyUserDep = Annotated[Actor, Depends(require_user())]


def _read(office: Office) -> OfficeRead:
    return OfficeRead(
        code=office.code,
        name=office.name,
        city=office.city,
        pillar=office.pillar,
        opened_on=office.opened_on,
        closed_on=office.closed_on,
        open=office.closed_on is None,
    )


@router.get(
    "/reference/offices",
    response_model=OfficeList,
    summary="The offices, open and closed (reference data, no identities)",
    description="Send the ETag back in If-None-Match: an unchanged list answers 304.",
    responses={304: {"description": "Not modified"}},
)
async def reference_offices(
    session: SessionDep,
    _actor: AnyUserDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    offices = OfficeList(items=[_read(o) for o in await service.list_offices(session=session)])
    body = offices.model_dump_json().encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


@router.post(
    "/offices",
    response_model=OfficeRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open an office",
    responses=problem_responses(
        Conflict("An office 'lisbon' exists already."),
        ValidationFailed("opened_on cannot be in the future.", field="opened_on"),
    ),
)
async def open_office(
    data: OfficeCreate, request: Request, session: SessionDep, actor: AdministratorDep
) -> OfficeRead:
    office = await service.open_office(session=session, actor=actor, data=data)
    _wake(request)
    return _read(office)


@router.patch(
    "/offices/{code}",
    response_model=OfficeRead,
    summary="Rename or move an office (name, city, pillar)",
    responses=problem_responses(NotFound("No office 'lisbon'."), Conflict("Office is closed.")),
)
async def update_office(
    code: str, data: OfficeUpdate, request: Request, session: SessionDep, actor: AdministratorDep
) -> OfficeRead:
    office = await service.update_office(session=session, actor=actor, code=code, data=data)
    _wake(request)
    return _read(office)


@router.post(
    "/offices/{code}/close",
    response_model=OfficeRead,
    summary="Close an office: no new requests or cases; its history stays",
    responses=problem_responses(
        NotFound("No office 'lisbon'."), Conflict("Office 'lisbon' is closed already.")
    ),
)
async def close_office(
    code: str, data: OfficeClose, request: Request, session: SessionDep, actor: AdministratorDep
) -> OfficeRead:
    office = await service.close_office(
        session=session, actor=actor, code=code, closed_on=data.closed_on
    )
    _wake(request)
    return _read(office)


@router.get(
    "/staff",
    response_model=StaffList,
    summary="The staff roster (administrators: any office; a chief: their own office)",
)
async def list_staff(
    envelope: EnvelopeDep,
    session: SessionDep,
    actor: RosterReaderDep,
    office: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z0-9-]{1,40}$")] = None,
) -> StaffList:
    members = await service.list_staff(session=session, actor=actor, office=office)
    return StaffList(
        items=[
            StaffRead.model_validate(await service.readable(envelope=envelope, member=m))
            for m in members
        ]
    )


@router.post(
    "/staff",
    response_model=StaffRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a member to an office's roster (or bring a departed one back)",
    responses=problem_responses(
        Conflict("'omb-lisbon' is on the roster already."),
        ValidationFailed("'lisbon' is not an open office.", field="office"),
    ),
)
async def add_staff(
    data: StaffCreate,
    request: Request,
    envelope: EnvelopeDep,
    session: SessionDep,
    actor: AdministratorDep,
) -> StaffRead:
    member = await service.add_staff(session=session, envelope=envelope, actor=actor, data=data)
    _wake(request)
    return StaffRead.model_validate(await service.readable(envelope=envelope, member=member))


@router.post(
    "/staff/{subject}/deactivate",
    response_model=StaffRead,
    summary="Mark a member as departed: no new assignments; open cases await reassignment",
    responses=problem_responses(
        NotFound("No such member of the staff."), Conflict("This member is inactive already.")
    ),
)
async def deactivate_staff(
    subject: str,
    request: Request,
    envelope: EnvelopeDep,
    session: SessionDep,
    actor: AdministratorDep,
) -> StaffRead:
    member = await service.deactivate_staff(session=session, actor=actor, subject=subject)
    _wake(request)
    return StaffRead.model_validate(await service.readable(envelope=envelope, member=member))


internal_router = APIRouter(prefix="/v1/internal/directory", tags=["internal"])
StaffUserDep = Annotated[Actor, Depends(require_user("ombudsman", "mediator", "chief"))]


@internal_router.post(
    "/sign-ins",
    response_model=SignInResult,
    summary="A staff member's first sign-in (the gateway, with staff_from_claims on)",
)
async def first_sign_in(
    data: SignIn, request: Request, envelope: EnvelopeDep, session: SessionDep, actor: StaffUserDep
) -> SignInResult:
    # Only the gateway mints user tokens, and it serves no /v1/internal route: this is
    # reached only by its claims sync, for the user the token names.
    outcome = await service.first_sign_in(
        session=session,
        envelope=envelope,
        actor=actor,
        role=data.role,
        display_name=data.display_name,
    )
    _wake(request)
    return SignInResult(outcome=outcome)


def _wake(request: Request) -> None:
    """The change is committed: the relay takes it now rather than at its next poll."""
    intake_state(request.app).directory_relay.wake()
