from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.case import service
from mediation.case.models import Mediation, Party
from mediation.config import MediationSettings
from mediation.office.models import StaffMember
from ombuds_shared.auth import require_user
from ombuds_shared.dependencies import SessionDep, settings_of
from ombuds_shared.errors import Forbidden, NotFound
from ombuds_shared.tokens import Actor

WorkerDep = Annotated[Actor, Depends(require_user("mediator", "chief"))]
MediatorDep = Annotated[Actor, Depends(require_user("mediator"))]
ChiefDep = Annotated[Actor, Depends(require_user("chief"))]


# async: a plain def dependency would run in the thread pool on every request.
async def get_settings(request: Request) -> MediationSettings:
    """The service settings."""
    settings = settings_of(request.app, MediationSettings)
    return settings


SettingsDep = Annotated[MediationSettings, Depends(get_settings)]


async def workable_mediation(mediation_id: str, session: SessionDep, actor: WorkerDep) -> Mediation:
    """The mediation, if this actor works on it; to anyone else it does not exist."""
    mediation = await service.get(session=session, mediation_id=mediation_id)
    if mediation is None or not service.may_work_on(actor, mediation):
        raise NotFound("No such mediation.")
    await refuse_departed(session, actor)
    return mediation


async def refuse_departed(session: AsyncSession, actor: Actor) -> None:
    """A departed member's token may outlive their departure: their mediations (the parties'
    identities, notes, venues, calendar) wait for the chief to reassign them, not for them."""
    departed = await session.scalar(
        select(StaffMember.subject).where(
            StaffMember.subject == actor.subject, StaffMember.active.is_(False)
        )
    )
    if departed is not None:
        raise Forbidden("You have left the office's roster; the chief reassigns your work.")


MediationDep = Annotated[Mediation, Depends(workable_mediation)]


async def mediation_party(party_id: str, mediation: MediationDep) -> Party:
    """A party of the mediation in the path."""
    party = next((p for p in mediation.parties if p.id == party_id), None)
    if party is None:
        raise NotFound("No such party on this mediation.")
    return party


PartyDep = Annotated[Party, Depends(mediation_party)]
