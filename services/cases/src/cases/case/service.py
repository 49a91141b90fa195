"""Case operations; callers pass a session and commit happens here."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Result, Table, bindparam, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from cases.assignment.models import ConflictDeclaration
from cases.audit import service as audit
from cases.case.models import CaseFile, CaseRow, StatusChange
from cases.case.schemas import (
    CaseCreate,
    CaseFromIntake,
    CaseOrder,
    StatusChangeCreate,
)
from cases.issue_coding.models import CaseIssue
from cases.office.models import Office
from cases.outbox import OutboxEvent, emit_case_event
from ombuds_shared import events
from ombuds_shared.audit import AuditEntry, ReadLog
from ombuds_shared.batching import Grouped
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import KeyedReads, core_connection, read_only, utcnow
from ombuds_shared.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from ombuds_shared.events import event_row_of
from ombuds_shared.pagination import decode_time_cursor, encode_time_cursor
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import CaseStatus

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CASE = cast(Table, CaseFile.__table__)
_STATUS_CHANGE = cast(Table, StatusChange.__table__)
_OUTBOX = cast(Table, OutboxEvent.__table__)
_CONFLICT = cast(Table, ConflictDeclaration.__table__)
_OFFICE = cast(Table, Office.__table__)
# What a case read selects: CaseRow's columns, in its order.
_READ_COLUMNS = [_CASE.c[name] for name in CaseRow._fields]

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


def case_reads(engine: AsyncEngine) -> KeyedReads[CaseRow]:
    """Case reads by id, those arriving together fetched at once (see KeyedReads)."""
    return KeyedReads(engine, select(*_READ_COLUMNS), _CASE.c.id, CaseRow._make)


def _case_or_none(result: Result[Any]) -> CaseRow | None:
    row = result.one_or_none()
    return None if row is None else CaseRow._make(row)


async def get_row(*, session: AsyncSession | AsyncConnection, case_id: str) -> CaseRow | None:
    """Gets a case's columns by id, without loading an ORM entity."""
    if not is_case_id(case_id):
        return None
    return _case_or_none(await session.execute(_READ_BY_ID, {"case_id": case_id}))


_READ_WITH_REQUEST_BY_ID = select(_CASE.c.intake_request_id, *_READ_COLUMNS).where(
    _CASE.c.id == bindparam("case_id")
)


async def get_row_and_request(
    *, session: AsyncSession, case_id: str
) -> tuple[CaseRow, str | None] | None:
    """Gets a case's columns and the intake request it was opened from (None for a case
    opened without one)."""
    if not is_case_id(case_id):
        return None
    row = (await session.execute(_READ_WITH_REQUEST_BY_ID, {"case_id": case_id})).one_or_none()
    return None if row is None else (CaseRow._make(row[1:]), row.intake_request_id)


def of_office(case: CaseRow | None, actor: Actor) -> CaseRow:
    """The case, if it belongs to the caller's office; otherwise it does not exist for them."""
    if case is None or case.office != actor.office:
        raise NotFound("No such case.")
    return case


async def read(
    *, reads: KeyedReads[CaseRow], read_log: ReadLog, case_id: str, actor: Actor
) -> CaseRow:
    """The busiest read: the case (fetched with the reads arriving with it), then the
    read recorded in the audit log (group-committed) before the case
    is returned."""
    if not is_case_id(case_id):
        raise NotFound("No such case.")
    case = of_office(await reads.get(case_id), actor)
    await read_log.record(audit.entry(actor=actor, action="case.read", case_id=case_id))
    return case


async def open_case(
    *, openings: CaseOpenings, envelope: Envelope | None, actor: Actor, data: CaseCreate
) -> CaseRow:
    """Opens a case in the actor's office (walk-in visitors, group processes)."""
    opening = _opening(
        actor=actor,
        peer=None,
        visitor_ref=None,
        pillar=data.pillar,
        office=actor.office or "",
        location=data.location,
        occupational_group=data.occupational_group,
        intake_channel=data.intake_channel,
        intake_request_id=None,
        is_group=data.is_group,
        participant_count=data.participant_count,
        opened_by=actor.subject,
    )
    await _write(openings, envelope, opening)
    return opening.case


async def open_from_intake(
    *,
    session: AsyncSession,
    openings: CaseOpenings,
    envelope: Envelope | None,
    data: CaseFromIntake,
    actor: Actor | None,
) -> tuple[CaseRow, bool]:
    """Opens the case for an accepted intake request; returns (case, created)."""
    existing = await _by_intake_request(session, data.intake_request_id)
    # Ends the read: no pooled connection is held while the key is made and the case written.
    await session.commit()
    if existing is not None:
        return existing, False
    opening = _opening(
        actor=actor,
        peer="intake",
        visitor_ref=data.visitor_ref,
        pillar=data.pillar,
        office=data.office,
        location=data.location,
        occupational_group=data.occupational_group,
        intake_channel=data.channel,
        intake_request_id=data.intake_request_id,
        is_group=False,
        participant_count=1,
        opened_by=actor.subject if actor else "service:intake",
        # A conflict declared before triage follows the request: it blocks assignment.
        conflicted=sorted(set(data.conflicted)),
    )
    try:
        await _write(openings, envelope, opening)
    except IntegrityError:
        # A concurrent retry of the same acceptance won the race: answer with its case.
        winner = await _by_intake_request(session, data.intake_request_id)
        await session.commit()
        if winner is None:
            raise
        return winner, False
    return opening.case, True


@dataclass(frozen=True)
class Opening:
    """A case to open: its rows (the case's first) and its audit entry, written together."""

    case: CaseRow
    rows: list[tuple[Table, dict[str, Any]]]
    audit_entry: AuditEntry


def _opening(
    *,
    actor: Actor | None,
    peer: str | None,
    intake_request_id: str | None,
    conflicted: Sequence[str] = (),
    **values: Any,
) -> Opening:
    """A new case as opened (with all of its columns, as a read returns them), its first
    status, its `case.opened` event (facts only) and the audit entry of the opening."""
    now = utcnow()
    case_id = str(uuid.uuid4())
    case = CaseRow(
        id=case_id,
        **values,
        status=CaseStatus.OPENED.value,
        closure_reason=None,
        assigned_to=None,
        opened_at=now,
        closed_at=None,
        destroyed_at=None,
    )
    status = {
        "id": str(uuid.uuid4()),
        "case_id": case_id,
        "status": CaseStatus.OPENED.value,
        "closure_reason": None,
        "changed_by": case.opened_by,
        "changed_at": now,
    }
    opened = event_row_of(
        events.CaseOpened(
            case_id=case_id,
            opened_on=now.date(),
            pillar=case.pillar,
            office=case.office,
            location=case.location,
            occupational_group=case.occupational_group,
            intake_channel=case.intake_channel,
            is_group=bool(case.is_group),
            participant_count=case.participant_count or 1,
        ),
        now,
    )
    declarations = [
        (_CONFLICT, {"id": str(uuid.uuid4()), "case_id": case_id, "ombudsman": ombudsman,
                     "has_conflict": True, "declared_at": now, "cleared_at": None,
                     "cleared_by": None, "cleared_reason": None})
        for ombudsman in conflicted
    ]  # fmt: skip
    entry = audit.entry(actor=actor, action="case.open", case_id=case_id, peer=peer)
    case_columns = {**case._asdict(), "intake_request_id": intake_request_id}
    rows = [(_CASE, case_columns), (_STATUS_CHANGE, status), (_OUTBOX, opened), *declarations]
    return Opening(case, rows, entry)


async def _write(openings: CaseOpenings, envelope: Envelope | None, opening: Opening) -> None:
    """Makes the case's data key in the key store, then writes the case with the openings
    of the moment. A refused opening's key protected nothing and is discarded; a caller
    who gives up keeps it, as their case may be written all the same."""
    context = case_context(opening.case.id)
    envelope = require_envelope(envelope)
    await envelope.store_new_key(context)
    try:
        await openings.open(opening)
    except (ValidationFailed, IntegrityError):
        await envelope.discard_unused_keys([context])
        raise


class CaseOpenings:
    """Cases opened together, written in one transaction: for each, the case, its first
    status, its `case.opened` event and its audit entry, the same on SQLite and PostgreSQL.

    Under load the round trips, the commit and the audit chains' locks, not the rows,
    were most of an opening's cost. Openings that arrive while a batch is written wait
    for the next one (see ombuds_shared.batching): their offices are checked in one
    read, each table's rows go in one multi-row INSERT, the audit entries in one append,
    and the batch commits once. If it meets a constraint (a retried intake acceptance),
    each opening is then written on its own, so that only the one that broke it fails.
    """

    def __init__(self, engine: AsyncEngine, max_batch: int = 200) -> None:
        self._engine = engine
        self._grouped = Grouped(self._write, max_batch=max_batch)

    @property
    def batches(self) -> int:
        """Transactions so far: compare with the openings to see how well they group."""
        return self._grouped.batches

    async def open(self, opening: Opening) -> None:
        """Writes the opening; ValidationFailed if its office is not open, IntegrityError
        if it breaks a constraint."""
        failure = await self._grouped(opening)
        if failure is not None:
            raise failure

    async def _write(self, openings: list[Opening]) -> list[Exception | None]:
        # Read before the write transaction, not in it: on SQLite a transaction that reads
        # first may not be able to take the write lock later.
        offices = {opening.case.office for opening in openings}
        async with core_connection(read_only(self._engine)) as connection:
            open_offices = set(
                await connection.scalars(
                    select(_OFFICE.c.code).where(
                        _OFFICE.c.code.in_(offices), _OFFICE.c.closed_on.is_(None)
                    )
                )
            )
        outcomes: list[Exception | None] = [
            None if opening.case.office in open_offices
            else ValidationFailed(f"Office {opening.case.office!r} is not an open office.")
            for opening in openings
        ]  # fmt: skip
        accepted = [i for i, outcome in enumerate(outcomes) if outcome is None]
        try:
            await self._write_together([openings[i] for i in accepted])
            return outcomes
        except IntegrityError as exc:
            if len(accepted) == 1:
                outcomes[accepted[0]] = exc
                return outcomes
        for i in accepted:  # which opening broke it? Each on its own says.
            try:
                await self._write_together([openings[i]])
            except Exception as exc:  # that opening's own outcome
                # Also a failure of the database meanwhile: the openings written before it
                # must still hear they succeeded, or their callers would open them twice.
                outcomes[i] = exc
        return outcomes

    async def _write_together(self, openings: Sequence[Opening]) -> None:
        if not openings:
            return
        by_table: dict[Table, list[dict[str, Any]]] = {}
        for opening in openings:  # the cases first: the other rows refer to them
            for table, row in opening.rows:
                by_table.setdefault(table, []).append(row)
        async with core_connection(self._engine) as connection, connection.begin():
            for table, rows in by_table.items():
                await connection.execute(table.insert(), rows)
            await audit.AUDIT.append(connection, [opening.audit_entry for opening in openings])


async def _by_intake_request(session: AsyncSession, intake_request_id: str) -> CaseRow | None:
    return _case_or_none(
        await session.execute(
            select(*_READ_COLUMNS).where(_CASE.c.intake_request_id == intake_request_id)
        )
    )


async def change_status(
    *, session: AsyncSession, case: CaseRow, actor: Actor, data: StatusChangeCreate
) -> CaseRow:
    """Moves a case to its next status; closing records the reason and the date."""
    current = CaseStatus(case.status)
    if data.status not in _NEXT[current]:
        raise Conflict(f"A case that is {current} cannot become {data.status}.")
    now = utcnow()
    values: dict[str, Any] = {"status": data.status.value}
    if data.status == CaseStatus.CLOSED:
        values |= {"closure_reason": data.closure_reason, "closed_at": now}
    result = await session.execute(
        update(_CASE).where(_CASE.c.id == case.id, _CASE.c.status == current).values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise Conflict("The case's status changed meanwhile; read it again.")
    session.add(
        StatusChange(
            case_id=case.id,
            status=data.status,
            closure_reason=data.closure_reason,
            changed_by=actor.subject,
            changed_at=now,
        )
    )
    emit_case_event(
        session,
        events.CaseStatusChanged(case_id=case.id, status=data.status, changed_on=now.date()),
    )
    if data.status == CaseStatus.CLOSED and data.closure_reason is not None:
        emit_case_event(
            session,
            events.CaseClosed(
                case_id=case.id,
                closed_on=now.date(),
                closure_reason=data.closure_reason,
                # Time to resolution in days: analytics keeps dates as months only.
                days_open=(now.date() - case.opened_at.date()).days,
            ),
        )
    await audit.record(session, actor=actor, action="case.status", case_id=case.id)
    await session.commit()
    row = await get_row(session=session, case_id=case.id)
    assert row is not None
    await session.commit()
    return row


async def status_history(
    *, session: AsyncSession, case: CaseRow, actor: Actor
) -> list[StatusChange]:
    """A case's status history, oldest first."""
    rows = list(
        await session.scalars(
            select(StatusChange)
            .where(StatusChange.case_id == case.id)
            .order_by(StatusChange.changed_at, StatusChange.id)
        )
    )
    await audit.record_read(
        session, actor=actor, action="case.status_history.read", case_id=case.id
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
) -> tuple[list[CaseRow], str | None]:
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
    rows = [CaseRow._make(row) for row in await session.execute(query.limit(limit + 1))]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_time_cursor(last.opened_at, last.id, oldest_first=oldest_first)
    await audit.record_read(
        session, actor=actor, action="case.list", case_id=office, record_type="office"
    )
    return rows, next_cursor


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
