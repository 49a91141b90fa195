from fastapi import APIRouter, status

from mediation.case.dependencies import MediationDep, WorkerDep
from mediation.contact import service
from ombuds_shared.contact import (
    ContactCreate,
    ContactLog,
    ContactRead,
    contact_log,
    contact_read,
)
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/mediations", tags=["contacts"], responses=PROBLEM_RESPONSES)


@router.post(
    "/{mediation_id}/contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactRead,
    summary="Log a contact (date, medium, minutes, roles taking part; no names, no content)",
)
async def log_contact(
    data: ContactCreate, mediation: MediationDep, session: SessionDep, actor: WorkerDep
) -> ContactRead:
    contact = await service.log_contact(
        session=session, mediation=mediation, actor=actor, data=data
    )
    return contact_read(contact)


@router.get(
    "/{mediation_id}/contacts",
    response_model=ContactLog,
    summary="The contact log and the time on the mediation (the sum of its contacts' minutes)",
)
async def list_contacts(mediation: MediationDep, session: SessionDep, _: WorkerDep) -> ContactLog:
    return contact_log(await service.contacts(session=session, mediation=mediation))
