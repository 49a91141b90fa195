from fastapi import APIRouter, status

from mediation.case import service as case_service
from mediation.case.dependencies import MediationDep, SettingsDep
from mediation.deadline import service
from mediation.deadline.schemas import (
    ClockCreate,
    ExtensionCreate,
    ExtensionDecision,
    ExtensionRead,
    LedgerRead,
)
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES, NotFound

router = APIRouter(prefix="/v1/mediations", tags=["deadlines"], responses=PROBLEM_RESPONSES)


@router.get(
    "/{mediation_id}/deadlines",
    response_model=LedgerRead,
    summary="The deadline ledger: each clock, when it started, stopped and resumed, and why",
)
async def read_ledger(mediation: MediationDep, session: SessionDep) -> LedgerRead:
    return await service.ledger_of(session=session, mediation=mediation)


@router.post(
    "/{mediation_id}/deadlines",
    status_code=status.HTTP_201_CREATED,
    response_model=LedgerRead,
    summary="Register a filing period the mediation stops while the parties mediate",
)
async def register_clock(
    data: ClockCreate, mediation: MediationDep, session: SessionDep, settings: SettingsDep
) -> LedgerRead:
    await service.add_clock(
        session=session,
        mediation=mediation,
        settings=settings,
        data=data,
        all_agreed=case_service.all_agreed(mediation),
    )
    return await service.ledger_of(session=session, mediation=mediation)


@router.post(
    "/{mediation_id}/extensions",
    status_code=status.HTTP_201_CREATED,
    response_model=ExtensionRead,
    summary="Record a request to extend the tribunal's suspension",
)
async def request_extension(
    data: ExtensionCreate, mediation: MediationDep, session: SessionDep
) -> ExtensionRead:
    extension = await service.request_extension(session=session, mediation=mediation, data=data)
    return ExtensionRead.model_validate(extension, from_attributes=True)


@router.post(
    "/{mediation_id}/extensions/{extension_id}/decision",
    response_model=ExtensionRead,
    summary="Record the tribunal's decision on an extension (a grant moves the due date)",
)
async def decide_extension(
    extension_id: str, data: ExtensionDecision, mediation: MediationDep, session: SessionDep
) -> ExtensionRead:
    extension = await service.get_extension(
        session=session, mediation=mediation, extension_id=extension_id
    )
    if extension is None:
        raise NotFound("No such extension on this mediation.")
    await service.decide(session=session, mediation=mediation, extension=extension, data=data)
    return ExtensionRead.model_validate(extension, from_attributes=True)
