from fastapi import APIRouter, status

from cases.assignment import service
from cases.assignment.schemas import (
    AssignmentCreate,
    AssignmentHistory,
    AssignmentRead,
    ClearingCreate,
    DeclarationCreate,
    DeclarationRead,
)
from cases.case.dependencies import CaseReaderDep, ChiefDep, OfficeCaseDep, OmbudsmanDep
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/cases/{case_id}", tags=["assignment"], responses=PROBLEM_RESPONSES)


@router.post(
    "/conflict-declarations",
    response_model=DeclarationRead,
    status_code=status.HTTP_201_CREATED,
    summary="Declare whether you have a conflict of interest in this case (ombudsman)",
)
async def declare(
    data: DeclarationCreate, case: OfficeCaseDep, session: SessionDep, actor: OmbudsmanDep
) -> DeclarationRead:
    declaration = await service.declare(session=session, case=case, actor=actor, data=data)
    return DeclarationRead.model_validate(declaration)


@router.post(
    "/conflict-declarations/{declaration_id}/clear",
    response_model=DeclarationRead,
    summary="Clear a declared conflict of interest, with a reason (the office's chief)",
)
async def clear(
    declaration_id: str,
    data: ClearingCreate,
    case: OfficeCaseDep,
    session: SessionDep,
    actor: ChiefDep,
) -> DeclarationRead:
    declaration = await service.clear(
        session=session, case=case, actor=actor, declaration_id=declaration_id, data=data
    )
    return DeclarationRead.model_validate(declaration)


@router.post(
    "/assignment",
    response_model=AssignmentHistory,
    summary="Assign the case: the chief names an ombudsman, or an ombudsman takes it",
)
async def assign(
    data: AssignmentCreate, case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> AssignmentHistory:
    await service.assign(session=session, case=case, actor=actor, data=data)
    return await _history(case, session, actor)


@router.get(
    "/assignments",
    response_model=AssignmentHistory,
    summary="Who was assigned when, and the conflict declarations",
)
async def assignments(
    case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> AssignmentHistory:
    return await _history(case, session, actor)


async def _history(
    case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> AssignmentHistory:
    assignments, declarations = await service.history(session=session, case=case, actor=actor)
    current = next((a.assignee for a in assignments if a.ended_at is None), None)
    return AssignmentHistory(
        assigned_to=current,
        assignments=[AssignmentRead.model_validate(a) for a in assignments],
        declarations=[DeclarationRead.model_validate(d) for d in declarations],
    )
