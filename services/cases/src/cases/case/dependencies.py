"""Who may reach a case: its office reads its metadata; only its assigned ombudsman handles it."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.case import service
from cases.case.models import CaseRow
from cases.office.models import StaffMember
from ombuds_shared.auth import require_user
from ombuds_shared.dependencies import ReadSessionDep, SessionDep
from ombuds_shared.errors import Conflict, Forbidden
from ombuds_shared.openapi import problem_responses
from ombuds_shared.tokens import Actor

CaseReaderDep = Annotated[Actor, Depends(require_user("ombudsman", "chief"))]
OmbudsmanDep = Annotated[Actor, Depends(require_user("ombudsman"))]
ChiefDep = Annotated[Actor, Depends(require_user("chief"))]


async def office_case(case_id: str, session: SessionDep, actor: CaseReaderDep) -> CaseRow:
    """The case, if it belongs to the caller's office; otherwise it does not exist for them."""
    return service.of_office(await service.get_row(session=session, case_id=case_id), actor)


OfficeCaseDep = Annotated[CaseRow, Depends(office_case)]


async def office_case_to_read(
    case_id: str, session: ReadSessionDep, actor: CaseReaderDep
) -> CaseRow:
    """office_case, for routes that only read."""
    return await office_case(case_id, session, actor)


ReadableCaseDep = Annotated[CaseRow, Depends(office_case_to_read)]


async def handled_case(case: OfficeCaseDep, actor: OmbudsmanDep, session: SessionDep) -> CaseRow:
    """The case, if the caller is the ombudsman assigned to it (notes, consents, identity),
    and has not left the office: a departed member's token may outlive their departure (the
    identity provider lags, or they kept the role in another post), and their cases wait for
    the chief to reassign them, not for them."""
    if case.assigned_to != actor.subject:
        raise Forbidden("Only the ombudsman assigned to this case may do this.")
    await refuse_departed(session, actor)
    return case


async def refuse_departed(session: AsyncSession, actor: Actor) -> None:
    """A member the roster marks departed is refused whatever their token still says: the
    cases left assigned to them (and their erasures) wait for the chief to reassign them."""
    departed = await session.scalar(
        select(StaffMember.subject).where(
            StaffMember.subject == actor.subject, StaffMember.active.is_(False)
        )
    )
    if departed is not None:
        raise Forbidden("You have left the office's roster; the chief reassigns your cases.")


HandledCaseDep = Annotated[CaseRow, Depends(handled_case)]


_DESTROYED = "This case's content was destroyed under the retention schedule."
# Routes on a case's confidential content answer 409 once it is destroyed, reads included.
CONTENT_DESTROYED = problem_responses(("content-destroyed", Conflict(_DESTROYED)))


async def live_handled_case(case: HandledCaseDep) -> CaseRow:
    """A handled case whose confidential content has not been destroyed."""
    if case.destroyed_at is not None:
        raise Conflict(_DESTROYED)
    return case


LiveCaseDep = Annotated[CaseRow, Depends(live_handled_case)]
