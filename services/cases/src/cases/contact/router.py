from fastapi import APIRouter, status

from cases import audited_records
from cases.case.dependencies import CaseReaderDep, LiveCaseDep, OfficeCaseDep
from cases.contact import service
from cases.contact.models import CaseContact
from ombuds_shared.contact import (
    ContactCreate,
    ContactLog,
    ContactRead,
    contact_log,
    contact_read,
)
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/cases/{case_id}", tags=["contacts"], responses=PROBLEM_RESPONSES)


@router.post(
    "/contacts",
    response_model=ContactRead,
    status_code=status.HTTP_201_CREATED,
    summary="Log a contact (date, medium, minutes, roles taking part; no names, no content)",
)
async def log_contact(
    data: ContactCreate, case: LiveCaseDep, session: SessionDep, actor: CaseReaderDep
) -> ContactRead:
    return contact_read(
        await service.log_contact(session=session, case=case, actor=actor, data=data)
    )


@router.get(
    "/contacts",
    response_model=ContactLog,
    summary="The contact log and the time on the case (the sum of its contacts' minutes)",
)
async def list_contacts(
    case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> ContactLog:
    rows = await audited_records.list_rows(
        session=session, model=CaseContact, case=case, actor=actor, what="contact"
    )
    return contact_log(service.in_contact_order([contact_read(r) for r in rows]))
