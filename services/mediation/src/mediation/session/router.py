"""Sessions of a mediation, the office's schedule, and the mediators' calendars."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from mediation.case.dependencies import MediationDep, MediatorDep, WorkerDep, refuse_departed
from mediation.case.models import MediationSession
from mediation.case.schemas import (
    Schedule,
    SessionCancel,
    SessionCreate,
    SessionDetail,
    SessionHeld,
    SessionList,
    SessionReschedule,
    SessionScheduled,
)
from mediation.session import calendar, service
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES, Conflict

router = APIRouter(prefix="/v1/mediations", tags=["sessions"], responses=PROBLEM_RESPONSES)
schedule_router = APIRouter(prefix="/v1", tags=["sessions"], responses=PROBLEM_RESPONSES)

_CALENDAR: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar file."}
}


async def mediation_session(session_id: str, mediation: MediationDep) -> MediationSession:
    """A session of the mediation in the path."""
    return service.find(mediation, session_id)


RecordDep = Annotated[MediationSession, Depends(mediation_session)]


@router.post(
    "/{mediation_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionScheduled,
    summary="Record a session held (held_on) or plan one ahead (starts_at, time_zone); "
    "overlaps with the mediator's other sessions come back as warnings",
)
async def add_session(
    data: SessionCreate, mediation: MediationDep, session: SessionDep, actor: WorkerDep
) -> SessionScheduled:
    record, warnings = await service.add(
        session=session, mediation=mediation, data=data, actor=actor
    )
    detail = service.to_detail(record, actor=actor, mediation=mediation)
    return SessionScheduled(**detail, warnings=warnings)


@router.get(
    "/{mediation_id}/sessions",
    response_model=SessionList,
    summary="The sessions of a mediation with their history (venue: its mediator only)",
)
async def list_sessions(mediation: MediationDep, actor: WorkerDep) -> SessionList:
    return SessionList(
        items=[
            SessionDetail(**service.to_detail(s, actor=actor, mediation=mediation))
            for s in mediation.sessions
        ]
    )


@router.get(
    "/{mediation_id}/sessions/{session_id}",
    response_model=SessionDetail,
    summary="A session with its history (venue: its mediator only)",
)
async def read_session(
    record: RecordDep, mediation: MediationDep, actor: WorkerDep
) -> SessionDetail:
    return SessionDetail(**service.to_detail(record, actor=actor, mediation=mediation))


@router.post(
    "/{mediation_id}/sessions/{session_id}/reschedule",
    response_model=SessionScheduled,
    summary="Move a planned session, with a reason code",
)
async def reschedule_session(
    data: SessionReschedule,
    record: RecordDep,
    mediation: MediationDep,
    session: SessionDep,
    actor: WorkerDep,
) -> SessionScheduled:
    warnings = await service.reschedule(
        session=session, mediation=mediation, record=record, data=data, actor=actor
    )
    detail = service.to_detail(record, actor=actor, mediation=mediation)
    return SessionScheduled(**detail, warnings=warnings)


@router.post(
    "/{mediation_id}/sessions/{session_id}/cancel",
    response_model=SessionDetail,
    summary="Cancel a planned session, with a reason code",
)
async def cancel_session(
    data: SessionCancel,
    record: RecordDep,
    mediation: MediationDep,
    session: SessionDep,
    actor: WorkerDep,
) -> SessionDetail:
    await service.cancel(
        session=session, mediation=mediation, record=record, data=data, actor=actor
    )
    return SessionDetail(**service.to_detail(record, actor=actor, mediation=mediation))


@router.post(
    "/{mediation_id}/sessions/{session_id}/held",
    response_model=SessionDetail,
    summary="Record that a planned session was held (once its start has passed)",
)
async def session_held(
    data: SessionHeld,
    record: RecordDep,
    mediation: MediationDep,
    session: SessionDep,
    actor: WorkerDep,
) -> SessionDetail:
    await service.mark_held(
        session=session, mediation=mediation, record=record, data=data, actor=actor
    )
    return SessionDetail(**service.to_detail(record, actor=actor, mediation=mediation))


@router.get(
    "/{mediation_id}/sessions/{session_id}/calendar.ics",
    response_class=Response,
    responses=_CALENDAR,
    summary="The session as an iCalendar file: reference, time and mode; no party, no content",
)
async def session_calendar(
    record: RecordDep, mediation: MediationDep, actor: WorkerDep
) -> Response:
    service.require_assigned_mediator(actor, mediation)
    if record.starts_at is None:
        raise Conflict("A session recorded after the fact has no time for a calendar.")
    name = f"Mediation {calendar.reference(mediation.id)}"
    return Response(calendar.render([record], name=name), media_type=calendar.MEDIA_TYPE)


@schedule_router.get(
    "/mediation-schedule",
    response_model=Schedule,
    summary="Planned and held sessions in a window: the chief's office, a mediator's own; "
    "times and modes only",
)
async def read_schedule(
    session: SessionDep,
    actor: WorkerDep,
    since: Annotated[dt.date | None, Query(alias="from", description="Default: today.")] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 31,
) -> Schedule:
    await refuse_departed(session, actor)  # a departed mediator's sessions are not theirs now
    items = await service.schedule(
        session=session,
        actor=actor,
        since=since or dt.datetime.now(dt.UTC).date(),
        days=days,
        mine_only=not actor.has_any("chief"),
    )
    return Schedule(items=items)


@schedule_router.get(
    "/calendar/sessions.ics",
    response_class=Response,
    responses=_CALENDAR,
    summary="The calling mediator's planned sessions as an iCalendar feed (bearer token)",
)
async def session_feed(session: SessionDep, actor: MediatorDep) -> Response:
    await refuse_departed(session, actor)  # the feed may carry venues
    records = await service.feed(session=session, actor=actor)
    return Response(
        calendar.render(records, name="Mediation sessions"), media_type=calendar.MEDIA_TYPE
    )
