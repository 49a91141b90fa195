"""The mediator's diary: sessions planned ahead, then held, cancelled or rescheduled.

A planned session is a UTC window with the IANA zone it was planned in. Only the
assigned mediator plans and changes sessions; every change is a step of the
session's history (codes and times, no venue, no text) and an audit entry. A
session planned over another of the same mediator is not refused: the answer
carries the overlaps as warnings. Analytics learns of a session only once it is
held (`case.service.session_held_event`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.audit import service as audit
from mediation.case import service as case_service
from mediation.case import states
from mediation.case.models import Mediation, MediationSession, new_id
from mediation.case.schemas import (
    PLANNING_HORIZON,
    ScheduleConflict,
    ScheduleEntry,
    SessionCancel,
    SessionChangeKind,
    SessionChangeRead,
    SessionCreate,
    SessionHeld,
    SessionReschedule,
    SessionStatus,
    SessionTime,
)
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import SessionMode

_OPEN = {states.PENDING, states.IN_MEDIATION}


def require_assigned_mediator(actor: Actor, mediation: Mediation) -> None:
    """The diary of a mediation is kept by its assigned mediator; the chief oversees it."""
    if not actor.has_any("mediator") or mediation.mediator != actor.subject:
        raise Forbidden("Only the mediator assigned to this mediation plans its sessions.")


def find(mediation: Mediation, session_id: str) -> MediationSession:
    """A session of this mediation."""
    record = next((s for s in mediation.sessions if s.id == session_id), None)
    if record is None:
        raise NotFound("No such session on this mediation.")
    return record


def _window(time: SessionTime) -> tuple[dt.datetime, dt.datetime, str]:
    window = time.planned_window()
    assert window is not None
    assert time.time_zone is not None
    start, end = window
    now = utcnow()
    if start <= now:
        raise ValidationFailed("A planned session starts in the future.", field="starts_at")
    if start > now + PLANNING_HORIZON:
        raise ValidationFailed("A session is planned at most two years ahead.", field="starts_at")
    return start, end, time.time_zone


def _local_day(start: dt.datetime, zone: str) -> dt.date:
    return start.astimezone(ZoneInfo(zone)).date()


async def _audited(
    session: AsyncSession, mediation: Mediation, record: MediationSession, action: str, actor: Actor
) -> None:
    await audit.record(
        session,
        actor=actor,
        action=action,
        mediation_id=mediation.id,
        record_type="session",
        record_id=record.id,
    )


async def overlapping(
    session: AsyncSession, *, mediation: Mediation, record: MediationSession
) -> list[ScheduleConflict]:
    """The mediator's other planned sessions (any of their mediations) that overlap this one."""
    if record.starts_at is None or record.ends_at is None or mediation.mediator is None:
        return []
    rows = await session.execute(
        select(
            MediationSession.id,
            MediationSession.mediation_id,
            MediationSession.starts_at,
            MediationSession.ends_at,
        )
        .join(Mediation, Mediation.id == MediationSession.mediation_id)
        .where(
            Mediation.mediator == mediation.mediator,
            Mediation.office == mediation.office,
            MediationSession.status == SessionStatus.PLANNED.value,
            MediationSession.id != record.id,
            MediationSession.starts_at < record.ends_at,
            MediationSession.ends_at > record.starts_at,
        )
        .order_by(MediationSession.starts_at, MediationSession.id)
        .limit(50)
    )
    return [
        ScheduleConflict(session_id=i, mediation_id=m, starts_at=s, ends_at=e)
        for i, m, s, e in rows
    ]


async def add(
    *, session: AsyncSession, mediation: Mediation, data: SessionCreate, actor: Actor
) -> tuple[MediationSession, list[ScheduleConflict]]:
    """Records a session held (after the fact) or plans one; only the assigned mediator."""
    # What the mediation's status allows is said first, whoever asks (a 409 with the reason).
    states.require(
        mediation.status, {states.IN_MEDIATION} if data.held_on else _OPEN, "record a session"
    )
    require_assigned_mediator(actor, mediation)
    if data.held_on is not None:
        record = await case_service.add_session(
            session=session, mediation=mediation, held_on=data.held_on, mode=data.mode, actor=actor
        )
        return record, []
    start, end, zone = _window(data)
    record = MediationSession(
        id=new_id(),
        held_on=_local_day(start, zone),
        mode=data.mode.value,
        status=SessionStatus.PLANNED.value,
        starts_at=start,
        ends_at=end,
        time_zone=zone,
        venue=data.venue,
        venue_in_calendar=data.venue_in_calendar,
        recorded_by=actor.subject,
    )
    case_service.record_step(record, SessionChangeKind.PLANNED, actor)
    mediation.sessions.append(record)
    await _audited(session, mediation, record, "session.plan", actor)
    warnings = await overlapping(session, mediation=mediation, record=record)
    await case_service.commit(session)
    return record, warnings


def _require_planned(record: MediationSession, doing: str) -> None:
    if record.status != SessionStatus.PLANNED:
        raise Conflict(f"Cannot {doing}: the session is {record.status}.", status=record.status)


async def reschedule(
    *,
    session: AsyncSession,
    mediation: Mediation,
    record: MediationSession,
    data: SessionReschedule,
    actor: Actor,
) -> list[ScheduleConflict]:
    """Moves a planned session to a new time (and mode or venue), with the reason why."""
    require_assigned_mediator(actor, mediation)
    states.require(mediation.status, _OPEN, "reschedule a session")
    _require_planned(record, "reschedule it")
    start, end, zone = _window(data)
    record.starts_at, record.ends_at, record.time_zone = start, end, zone
    record.held_on = _local_day(start, zone)
    if data.mode is not None:
        record.mode = data.mode.value
    if data.venue is not None:
        record.venue = data.venue
    if data.venue_in_calendar is not None:
        record.venue_in_calendar = data.venue_in_calendar
    case_service.record_step(record, SessionChangeKind.RESCHEDULED, actor, data.reason.value)
    await _audited(session, mediation, record, "session.reschedule", actor)
    warnings = await overlapping(session, mediation=mediation, record=record)
    await case_service.commit(session)
    return warnings


async def cancel(
    *,
    session: AsyncSession,
    mediation: Mediation,
    record: MediationSession,
    data: SessionCancel,
    actor: Actor,
) -> None:
    """Calls off a planned session, with the reason why."""
    require_assigned_mediator(actor, mediation)
    states.require(mediation.status, _OPEN, "cancel a session")
    _require_planned(record, "cancel it")
    record.status = SessionStatus.CANCELLED.value
    case_service.record_step(record, SessionChangeKind.CANCELLED, actor, data.reason.value)
    await _audited(session, mediation, record, "session.cancel", actor)
    await case_service.commit(session)


async def mark_held(
    *,
    session: AsyncSession,
    mediation: Mediation,
    record: MediationSession,
    data: SessionHeld,
    actor: Actor,
) -> None:
    """A planned session took place: now, and only now, analytics hears of it."""
    require_assigned_mediator(actor, mediation)
    states.require(mediation.status, {states.IN_MEDIATION}, "record a session as held")
    _require_planned(record, "record it as held")
    assert mediation.started_on is not None
    # The day, in the session's own zone, has come (a held session is never in the future).
    if record.held_on > utcnow().astimezone(ZoneInfo(record.time_zone or "UTC")).date():
        raise ValidationFailed("A session is recorded as held on its day or later.")
    if record.held_on < mediation.started_on:
        raise ValidationFailed("A session cannot be held before the mediation started.")
    mode = data.mode or SessionMode(record.mode)
    case_service.planned_session_held(session, mediation, record, mode, actor)
    await _audited(session, mediation, record, "session.held", actor)
    await case_service.commit(session)


def to_detail(record: MediationSession, *, actor: Actor, mediation: Mediation) -> dict[str, Any]:
    """The session with its history; the venue only for the assigned mediator."""
    reveal = actor.has_any("mediator") and mediation.mediator == actor.subject
    return {
        "id": record.id,
        "held_on": record.held_on,
        "mode": record.mode,
        "status": record.status,
        "starts_at": record.starts_at,
        "ends_at": record.ends_at,
        "time_zone": record.time_zone,
        "venue": record.venue if reveal else None,
        "venue_in_calendar": record.venue_in_calendar,
        "changes": [
            SessionChangeRead.model_validate(c, from_attributes=True) for c in record.changes
        ],
    }


async def schedule(
    *, session: AsyncSession, actor: Actor, since: dt.date, days: int, mine_only: bool
) -> list[ScheduleEntry]:
    """Planned and held sessions with a time in the window: the office's (for the chief) or
    the caller's own (for a mediator). Times and modes only."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    end = start + dt.timedelta(days=days)
    query = (
        select(MediationSession, Mediation.mediator)
        .join(Mediation, Mediation.id == MediationSession.mediation_id)
        .where(
            Mediation.office == actor.office,
            MediationSession.status.in_([SessionStatus.PLANNED.value, SessionStatus.HELD.value]),
            MediationSession.starts_at >= start,
            MediationSession.starts_at < end,
        )
        .order_by(MediationSession.starts_at, MediationSession.id)
        .limit(1000)
    )
    if mine_only:
        query = query.where(Mediation.mediator == actor.subject)
    rows = await session.execute(query)
    return [
        ScheduleEntry(
            session_id=record.id,
            mediation_id=record.mediation_id,
            mediator=mediator,
            status=SessionStatus(record.status),
            mode=SessionMode(record.mode),
            starts_at=record.starts_at,
            ends_at=record.ends_at,
            time_zone=record.time_zone,
        )
        for record, mediator in rows
    ]


async def feed(*, session: AsyncSession, actor: Actor) -> list[MediationSession]:
    """The caller's planned sessions, from a month back: what their calendar feed holds."""
    since = utcnow() - dt.timedelta(days=31)
    rows = await session.scalars(
        select(MediationSession)
        .join(Mediation, Mediation.id == MediationSession.mediation_id)
        .where(
            Mediation.office == actor.office,
            Mediation.mediator == actor.subject,
            MediationSession.status == SessionStatus.PLANNED.value,
            MediationSession.starts_at >= since,
        )
        .order_by(MediationSession.starts_at, MediationSession.id)
        .limit(2000)
    )
    return list(rows)
