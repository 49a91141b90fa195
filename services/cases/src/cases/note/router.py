from fastapi import APIRouter, status

from cases.case.dependencies import CONTENT_DESTROYED, LiveCaseDep, OmbudsmanDep
from cases.note import service
from cases.note.schemas import NoteCreate, NoteRead
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/cases/{case_id}/notes",
    tags=["notes"],
    responses={**PROBLEM_RESPONSES, **CONTENT_DESTROYED},
)


@router.post(
    "",
    response_model=NoteRead,
    status_code=status.HTTP_201_CREATED,
    summary="Write a confidential note (assigned ombudsman only)",
)
async def write_note(
    data: NoteCreate,
    envelope: EnvelopeDep,
    case: LiveCaseDep,
    session: SessionDep,
    actor: OmbudsmanDep,
) -> NoteRead:
    return await service.write(
        session=session, envelope=envelope, case=case, actor=actor, data=data
    )


@router.get(
    "",
    response_model=list[NoteRead],
    summary="Read the case's confidential notes (assigned ombudsman only)",
)
async def read_notes(
    envelope: EnvelopeDep, case: LiveCaseDep, session: SessionDep, actor: OmbudsmanDep
) -> list[NoteRead]:
    return await service.read_all(session=session, envelope=envelope, case=case, actor=actor)
