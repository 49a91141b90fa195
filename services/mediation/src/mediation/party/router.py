"""The parties of a mediation with their identities: the assigned mediator's alone."""

from fastapi import APIRouter, Request

from mediation.audit import service as audit
from mediation.case.dependencies import MediationDep, WorkerDep
from mediation.case.schemas import PartyDirectory
from mediation.party import service
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/mediations", tags=["parties"], responses=PROBLEM_RESPONSES)


@router.get(
    "/{mediation_id}/parties",
    response_model=PartyDirectory,
    summary="The parties with their identities, from intake's vault (the assigned mediator "
    "only; each reveal is audited by intake)",
)
async def read_parties(
    request: Request, mediation: MediationDep, session: SessionDep, actor: WorkerDep
) -> PartyDirectory:
    await service.require_assigned_without_conflict(
        session=session, actor=actor, mediation=mediation
    )
    # On record here too (committed before the vault is asked), beside intake's entry for
    # each party revealed: who asked, through which mediation.
    await audit.record_read(
        session,
        actor=actor,
        action="parties.read",
        mediation_id=mediation.id,
        record_type="parties",
    )
    # The session is done with before the vault is asked (released before the answer).
    await session.close()
    return await service.directory(app=request.app, mediation=mediation, actor=actor)
