"""Who may reach a case: its office reads its metadata; only its assigned ombudsman handles it."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from cases.case import service
from ombuds_shared.auth import require_user
from ombuds_shared.db import get_read_session, get_session
from ombuds_shared.errors import Conflict, Forbidden, NotFound
from ombuds_shared.tokens import Actor

SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
# For routes that only read: no transaction round trips (see ombuds_shared.db).
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
CaseReaderDep = Annotated[Actor, Depends(require_user("ombudsman", "chief"))]
OmbudsmanDep = Annotated[Actor, Depends(require_user("ombudsman"))]
ChiefDep = Annotated[Actor, Depends(require_user("chief"))]


async def office_case(case_id: str, session: SessionDep, actor: CaseReaderDep) -> RowMapping:
    """The case, if it belongs to the caller's office; otherwise it does not exist for them."""
    case = await service.get_row(session=session, case_id=case_id)
    if case is None or case["office"] != actor.office:
        raise NotFound("No such case.")
    return case


OfficeCaseDep = Annotated[RowMapping, Depends(office_case)]


async def office_case_to_read(
    case_id: str, session: ReadSessionDep, actor: CaseReaderDep
) -> RowMapping:
    """office_case, for routes that only read."""
    return await office_case(case_id, session, actor)


ReadableCaseDep = Annotated[RowMapping, Depends(office_case_to_read)]


async def handled_case(case: OfficeCaseDep, actor: OmbudsmanDep) -> RowMapping:
    """The case, if the caller is the ombudsman assigned to it (notes, consents, identity)."""
    if case["assigned_to"] != actor.subject:
        raise Forbidden("Only the ombudsman assigned to this case may do this.")
    return case


HandledCaseDep = Annotated[RowMapping, Depends(handled_case)]


async def live_handled_case(case: HandledCaseDep) -> RowMapping:
    """A handled case whose confidential content has not been destroyed."""
    if case["destroyed_at"] is not None:
        raise Conflict("This case's content was destroyed under the retention schedule.")
    return case


LiveCaseDep = Annotated[RowMapping, Depends(live_handled_case)]
