"""Assignment of a case to an ombudsman of its office, after a declaration of no conflict (P10)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cases import audited_records
from cases.assignment.models import Assignment, ConflictDeclaration
from cases.assignment.schemas import AssignmentCreate, ClearingCreate, DeclarationCreate
from cases.audit import service as audit
from cases.case.models import CaseFile, CaseRow
from cases.office.models import StaffMember
from cases.outbox import emit_case_assigned
from ombuds_shared.db import utcnow
from ombuds_shared.directory import check_assignable
from ombuds_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ombuds_shared.tokens import Actor

_CASE = cast(Table, CaseFile.__table__)


async def declare(
    *, session: AsyncSession, case: CaseRow, actor: Actor, data: DeclarationCreate
) -> ConflictDeclaration:
    """Records an ombudsman's declaration; a declared conflict also ends their assignment.

    A conflict, once declared, is not withdrawn by its author (P10): only the chief
    clears it (`clear`), and the ombudsman then declares anew."""
    if not data.has_conflict and await _standing_conflict(session, case.id, actor.subject):
        raise Forbidden(
            "You declared a conflict of interest for this case; it cannot be withdrawn. "
            "Only the office's chief may clear it, with a reason."
        )
    declaration = ConflictDeclaration(
        case_id=case.id,
        ombudsman=actor.subject,
        has_conflict=data.has_conflict,
        declared_at=utcnow(),
    )
    session.add(declaration)
    if data.has_conflict and case.assigned_to == actor.subject:
        await _end_current(session, case.id)
        await session.execute(update(_CASE).where(_CASE.c.id == case.id).values(assigned_to=None))
    await audited_records.commit_with_audit(
        session, actor, "conflict.declare", case.id, "conflict_declaration", declaration
    )
    return declaration


async def assign(
    *, session: AsyncSession, case: CaseRow, actor: Actor, data: AssignmentCreate
) -> str:
    """Assigns the case; returns the assignee. Reassignment keeps the earlier rows.

    The chief assigns anyone; an ombudsman takes a case nobody has. Taking a
    colleague's case would hand over the visitor's identity and the notes, so
    only the chief moves a case from one ombudsman to another.
    """
    if actor.has_any("chief"):
        if not data.assignee:
            raise ValidationFailed("Name the ombudsman to assign (assignee).")
        assignee = data.assignee
    else:
        if data.assignee not in (None, actor.subject):
            raise Forbidden("An ombudsman assigns only themself; the chief assigns others.")
        if case.assigned_to not in (None, actor.subject):
            raise Forbidden("This case is assigned to a colleague; only the chief reassigns it.")
        assignee = actor.subject
    if case.destroyed_at is not None:
        raise Conflict("This case's content was destroyed; it is not handled any more.")
    await check_assignable(
        session,
        StaffMember,
        subject=assignee,
        office=case.office,
        role="ombudsman",
        field="assignee",
    )
    if case.assigned_to == assignee:
        await session.commit()
        return assignee
    declaration = await _latest_declaration(session, case.id, assignee)
    if declaration is None:
        raise Conflict(
            f"{assignee} has not declared, for this case, that they have no conflict of interest."
        )
    if declaration.has_conflict and declaration.cleared_at is not None:
        raise Conflict(
            f"{assignee}'s conflict of interest was cleared; they must declare anew, for this "
            "case, that they have no conflict."
        )
    if declaration.has_conflict:
        # The refusal is recorded: who tried to assign whom, blocked by the declared conflict.
        await audit.record(
            session,
            actor=actor,
            action="assignment.blocked_by_conflict",
            case_id=case.id,
            record_type="conflict_declaration",
            record_id=declaration.id,
        )
        await session.commit()
        raise Conflict(f"{assignee} declared a conflict of interest for this case.")
    now = utcnow()
    result = await session.execute(
        update(_CASE)
        .where(_CASE.c.id == case.id, _CASE.c.assigned_to.is_not_distinct_from(case.assigned_to))
        .values(assigned_to=assignee)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise Conflict("The case was assigned meanwhile; read it again.")
    await _end_current(session, case.id, now)
    assignment = Assignment(
        case_id=case.id, assignee=assignee, assigned_by=actor.subject, assigned_at=now
    )
    session.add(assignment)
    emit_case_assigned(session, case.id, case.office, now.date())
    await audited_records.commit_with_audit(
        session, actor, "case.assign", case.id, "assignment", assignment
    )
    return assignee


async def clear(
    *,
    session: AsyncSession,
    case: CaseRow,
    actor: Actor,
    declaration_id: str,
    data: ClearingCreate,
) -> ConflictDeclaration:
    """The chief clears a declared conflict, with a reason; audited. It grants nothing:
    the ombudsman must declare no conflict and be assigned before they see anything."""
    declaration = await session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.id == declaration_id, ConflictDeclaration.case_id == case.id
        )
    )
    if declaration is None or not declaration.has_conflict:
        raise NotFound("No such declared conflict on this case.")
    if declaration.cleared_at is not None:
        await session.commit()
        return declaration
    declaration.cleared_at = utcnow()
    declaration.cleared_by = actor.subject
    declaration.cleared_reason = data.reason.value
    await audited_records.commit_with_audit(
        session, actor, "conflict.clear", case.id, "conflict_declaration", declaration
    )
    return declaration


async def _standing_conflict(session: AsyncSession, case_id: str, ombudsman: str) -> bool:
    """Whether the ombudsman has a declared conflict on the case that the chief has not cleared."""
    found = await session.scalar(
        select(ConflictDeclaration.id)
        .where(
            ConflictDeclaration.case_id == case_id,
            ConflictDeclaration.ombudsman == ombudsman,
            ConflictDeclaration.has_conflict.is_(True),
            ConflictDeclaration.cleared_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def _end_current(
    session: AsyncSession, case_id: str, when: dt.datetime | None = None
) -> None:
    await session.execute(
        update(Assignment)
        .where(Assignment.case_id == case_id, Assignment.ended_at.is_(None))
        .values(ended_at=when or utcnow())
    )


async def _latest_declaration(
    session: AsyncSession, case_id: str, ombudsman: str
) -> ConflictDeclaration | None:
    result = await session.execute(
        select(ConflictDeclaration)
        .where(ConflictDeclaration.case_id == case_id, ConflictDeclaration.ombudsman == ombudsman)
        .order_by(ConflictDeclaration.declared_at.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def history(
    *, session: AsyncSession, case: CaseRow, actor: Actor
) -> tuple[list[Assignment], list[ConflictDeclaration]]:
    """The case's assignments and conflict declarations, oldest first."""
    assignments = await audited_records.list_rows(
        session=session, model=Assignment, case=case, actor=actor, what="assignment"
    )
    declarations = await audited_records.list_rows(
        session=session,
        model=ConflictDeclaration,
        case=case,
        actor=actor,
        what="conflict_declaration",
    )
    return assignments, declarations
