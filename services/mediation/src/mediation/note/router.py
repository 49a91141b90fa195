from fastapi import APIRouter, status

from mediation.case.dependencies import MediationDep, WorkerDep
from mediation.note import service
from mediation.note.schemas import NoteCreate, NoteList, NoteRead
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/mediations", tags=["notes"], responses=PROBLEM_RESPONSES)


@router.post(
    "/{mediation_id}/notes",
    status_code=status.HTTP_201_CREATED,
    response_model=NoteRead,
    summary="Write a confidential note (the assigned mediator only)",
)
async def write_note(
    data: NoteCreate,
    envelope: EnvelopeDep,
    mediation: MediationDep,
    session: SessionDep,
    actor: WorkerDep,
) -> NoteRead:
    service.require_assigned_mediator(actor, mediation)
    return await service.write(
        session=session,
        envelope=envelope,
        mediation=mediation,
        actor=actor,
        body=data.body,
    )


@router.get(
    "/{mediation_id}/notes",
    response_model=NoteList,
    summary="Read the confidential notes (the assigned mediator only)",
)
async def read_notes(
    envelope: EnvelopeDep, mediation: MediationDep, session: SessionDep, actor: WorkerDep
) -> NoteList:
    service.require_assigned_mediator(actor, mediation)
    notes = await service.read_all(
        session=session, envelope=envelope, mediation=mediation, actor=actor
    )
    return NoteList(items=notes)
