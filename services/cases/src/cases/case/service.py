"""Case operations; callers pass a session and commit happens here."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from sqlalchemy import RowMapping, Table, bindparam, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from cases.assignment.models import ConflictDeclaration
from cases.audit import service as audit
from cases.case.models import CaseFile, StatusChange
from cases.case.schemas import (
    CaseCreate,
    CaseFromIntake,
    CaseOrder,
    StatusChangeCreate,
)
from cases.issue_coding.models import CaseIssue
from cases.office.models import Office
from cases.outbox import emit_case_event
from ombuds_shared import events
from ombuds_shared.audit import ReadLog
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import KeyedReads, utcnow
from ombuds_shared.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from ombuds_shared.pagination import decode_time_cursor, encode_time_cursor
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import CaseStatus

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CASE = cast(Table, CaseFile.__table__)
# What a case read returns: every column but the wrapped data key.
_READ_COLUMNS = [c for c in _CASE.c if c.name != "intake_request_id"]

# Which status may follow which; a closed case stays closed.
_NEXT: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPENED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.ON_HOLD, CaseStatus.CLOSED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.ON_HOLD, CaseStatus.CLOSED}),
    CaseStatus.ON_HOLD: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


def is_case_id(case_id: str) -> bool:
    return bool(_UUID.match(case_id))


def case_context(case_id: str) -> str:
    """The envelope context of a case's data key."""
    return f"case:{case_id}"


def require_envelope(envelope: Envelope | None) -> Envelope:
    """Confidential operations fail closed when no master key is configured."""
    if envelope is None:
        raise ServiceUnavailable("The master key for case content is not configured.")
    return envelope


# Built once: SQLAlchemy then reuses its compiled form without rebuilding it per read.
_READ_BY_ID = select(*_READ_COLUMNS).where(_CASE.c.id == bindparam("case_id"))


def case_reads(engine: AsyncEngine) -> KeyedReads:
    """Case reads by id, those arriving together fetched at once (see KeyedReads)."""
    return KeyedReads(engine, select(*_READ_COLUMNS), _CASE.c.id)


async def get_row(*, session: AsyncSession | AsyncConnection, case_id: str) -> RowMapping | None:
    """Gets a case's columns by id, without loading an ORM entity."""
    if not is_case_id(case_id):
        return None
    result = await session.execute(_READ_BY_ID, {"case_id": case_id})
    return result.mappings().one_or_none()


_Case = TypeVar("_Case", bound=Mapping[Any, Any])


def of_office(case: _Case | None, actor: Actor) -> _Case:
    """The case, if it belongs to the caller's office; otherwise it does not exist for them."""
    if case is None or case["office"] != actor.office:
        raise NotFound("No such case.")
    return case


async def read(
    *, reads: KeyedReads, read_log: ReadLog, case_id: str, actor: Actor
) -> Mapping[str, Any]:
    """The busiest read: the case (fetched with the reads arriving with it), then the
    read recorded in the audit log (group-committed) before the case
    is returned."""
    if not is_case_id(case_id):
        raise NotFound("No such case.")
    case = of_office(await reads.get(case_id), actor)
    await read_log.record(
        actor=actor, action="case.read", record_type="case", record_id=case_id, context_id=case_id
    )
    return case


async def open_case(
    *, session: AsyncSession, envelope: Envelope | None, actor: Actor, data: CaseCreate
) -> CaseFile:
    """Opens a case in the actor's office (walk-in visitors, group processes)."""
    office = actor.office or ""
    await _check_office(session, office)
    case = await _new_case(
        envelope,
        visitor_ref=None,
        pillar=data.pillar,
        office=office,
        location=data.location,
        occupational_group=data.occupational_group,
        intake_channel=data.intake_channel,
        is_group=data.is_group,
        participant_count=data.participant_count,
        opened_by=actor.subject,
    )
    await _record_opening(session, case, actor=actor, peer=None)
    await session.commit()
    return case


async def open_from_intake(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    data: CaseFromIntake,
    actor: Actor | None,
) -> tuple[RowMapping, bool]:
    """Opens the case for an accepted intake request; returns (case, created)."""
    existing = await _by_intake_request(session, data.intake_request_id)
    if existing is not None:
        await session.commit()
        return existing, False
    await _check_office(session, data.office)
    case = await _new_case(
        envelope,
        visitor_ref=data.visitor_ref,
        pillar=data.pillar,
        office=data.office,
        location=data.location,
        occupational_group=data.occupational_group,
        intake_channel=data.channel,
        intake_request_id=data.intake_request_id,
        opened_by=actor.subject if actor else "service:intake",
    )
    try:
        await _record_opening(session, case, actor=actor, peer="intake")
        for ombudsman in sorted(set(data.conflicted)):
            # A conflict declared before triage follows the request: it blocks assignment.
            session.add(
                ConflictDeclaration(
                    case_id=case.id, ombudsman=ombudsman, has_conflict=True, declared_at=utcnow()
                )
            )
        await session.commit()
    except IntegrityError:
        # A concurrent retry of the same acceptance won the race: answer with its case
        # (the key made for this attempt protects nothing).
        await session.rollback()
        await require_envelope(envelope).destroy_keys([case_context(case.id)])
        winner = await _by_intake_request(session, data.intake_request_id)
        if winner is None:
            raise
        return winner, False
    row = await get_row(session=session, case_id=case.id)
    assert row is not None
    await session.commit()
    return row, True


async def _new_case(envelope: Envelope | None, **values: Any) -> CaseFile:
    """A new case, its data key created in the key store (the row holds none)."""
    case = CaseFile(id=str(uuid.uuid4()), **values)
    await require_envelope(envelope).create_key(case_context(case.id))
    return case


async def _record_opening(
    session: AsyncSession, case: CaseFile, *, actor: Actor | None, peer: str | None
) -> None:
    now = utcnow()
    case.opened_at = now
    case.status = CaseStatus.OPENED
    session.add(case)
    session.add(
        StatusChange(
            case_id=case.id, status=CaseStatus.OPENED, changed_by=case.opened_by, changed_at=now
        )
    )
    emit_case_event(
        session,
        events.CaseOpened(
            case_id=case.id,
            opened_on=now.date(),
            pillar=case.pillar,
            office=case.office,
            location=case.location,
            occupational_group=case.occupational_group,
            intake_channel=case.intake_channel,
            is_group=bool(case.is_group),
            participant_count=case.participant_count or 1,
        ),
    )
    await session.flush()
    await audit.record(session, actor=actor, action="case.open", case_id=case.id, peer=peer)


async def _check_office(session: AsyncSession, code: str) -> None:
    """Refuses an office that is not open; then ends the read, so that the pooled
    connection is not held while the case's data key is made in the key store (the
    case is written after): at 64 clients, creations otherwise hold all of the pool's
    connections across the key store's round trips and the rest queue behind them."""
    office = await session.get(Office, code)
    is_open = office is not None and office.closed_on is None
    await session.rollback()  # nothing was written: this only hands the connection back
    if not is_open:
        raise ValidationFailed(f"Office {code!r} is not an open office.")


async def _by_intake_request(session: AsyncSession, intake_request_id: str) -> RowMapping | None:
    result = await session.execute(
        select(*_READ_COLUMNS).where(_CASE.c.intake_request_id == intake_request_id)
    )
    return result.mappings().one_or_none()


async def change_status(
    *, session: AsyncSession, case: RowMapping, actor: Actor, data: StatusChangeCreate
) -> RowMapping:
    """Moves a case to its next status; closing records the reason and the date."""
    current = CaseStatus(case["status"])
    if data.status not in _NEXT[current]:
        raise Conflict(f"A case that is {current} cannot become {data.status}.")
    now = utcnow()
    values: dict[str, Any] = {"status": data.status.value}
    if data.status == CaseStatus.CLOSED:
        values |= {"closure_reason": data.closure_reason, "closed_at": now}
    result = await session.execute(
        update(_CASE).where(_CASE.c.id == case["id"], _CASE.c.status == current).values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise Conflict("The case's status changed meanwhile; read it again.")
    session.add(
        StatusChange(
            case_id=case["id"],
            status=data.status,
            closure_reason=data.closure_reason,
            changed_by=actor.subject,
            changed_at=now,
        )
    )
    emit_case_event(
        session,
        events.CaseStatusChanged(case_id=case["id"], status=data.status, changed_on=now.date()),
    )
    if data.status == CaseStatus.CLOSED and data.closure_reason is not None:
        emit_case_event(
            session,
            events.CaseClosed(
                case_id=case["id"],
                closed_on=now.date(),
                closure_reason=data.closure_reason,
                # Time to resolution in days: analytics keeps dates as months only.
                days_open=(now.date() - case["opened_at"].date()).days,
            ),
        )
    await audit.record(session, actor=actor, action="case.status", case_id=case["id"])
    await session.commit()
    row = await get_row(session=session, case_id=case["id"])
    assert row is not None
    await session.commit()
    return row


async def status_history(
    *, session: AsyncSession, case: RowMapping, actor: Actor
) -> list[RowMapping]:
    """A case's status history, oldest first."""
    table = StatusChange.__table__
    result = await session.execute(
        select(table).where(table.c.case_id == case["id"]).order_by(table.c.changed_at, table.c.id)
    )
    rows = list(result.mappings())
    await audit.record_read(
        session, actor=actor, action="case.status_history.read", case_id=case["id"]
    )
    return rows


async def list_for_office(
    *,
    session: AsyncSession,
    actor: Actor,
    office: str,
    status: CaseStatus | None = None,
    assignee: str | None = None,
    opened_from: dt.date | None = None,
    opened_to: dt.date | None = None,
    issue_category: str | None = None,
    order: CaseOrder = CaseOrder.NEWEST_FIRST,
    cursor: str | None = None,
    limit: int,
) -> tuple[list[RowMapping], str | None]:
    """Lists an office's cases, newest (or oldest) first, filtered, one page at a time."""
    query = select(*_READ_COLUMNS).where(_CASE.c.office == office)
    if status:
        query = query.where(_CASE.c.status == status.value)
    if assignee:
        query = query.where(_CASE.c.assigned_to == assignee)
    if opened_from:
        query = query.where(_CASE.c.opened_at >= _day_start(opened_from))
    if opened_to:
        query = query.where(_CASE.c.opened_at < _day_start(opened_to + dt.timedelta(days=1)))
    if issue_category:
        issue = CaseIssue.__table__
        query = query.where(
            exists().where(
                issue.c.case_id == _CASE.c.id,
                or_(issue.c.code == issue_category, issue.c.code.like(f"{issue_category}.%")),
            )
        )
    oldest_first = order is CaseOrder.OLDEST_FIRST
    if cursor:
        opened_at, case_id = decode_time_cursor(cursor, oldest_first=oldest_first)
        if oldest_first:
            query = query.where(
                (_CASE.c.opened_at > opened_at)
                | ((_CASE.c.opened_at == opened_at) & (_CASE.c.id > case_id))
            )
        else:
            query = query.where(
                (_CASE.c.opened_at < opened_at)
                | ((_CASE.c.opened_at == opened_at) & (_CASE.c.id < case_id))
            )
    if oldest_first:
        query = query.order_by(_CASE.c.opened_at, _CASE.c.id)
    else:
        query = query.order_by(_CASE.c.opened_at.desc(), _CASE.c.id.desc())
    rows = list((await session.execute(query.limit(limit + 1))).mappings())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_time_cursor(last["opened_at"], last["id"], oldest_first=oldest_first)
    await audit.record_read(
        session, actor=actor, action="case.list", case_id=office, record_type="office"
    )
    return rows, next_cursor


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
