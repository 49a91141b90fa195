"""iCalendar (RFC 5545) for the mediator's calendar application.

Calendars leave the system (synced to phones, shared with assistants), so an
event carries the mediation's short reference, the time and the mode, and
nothing else: never a party, never a tribunal case number, never a note; the
venue only when the mediator set `venue_in_calendar` on that session.
"""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from mediation.case.models import MediationSession
from mediation.case.schemas import SessionStatus
from ombuds_shared.db import utcnow
from ombuds_shared.vocabulary import SessionMode

MEDIA_TYPE = "text/calendar; charset=utf-8"
_MODES = {
    SessionMode.IN_PERSON: "in person",
    SessionMode.REMOTE: "remote",
    SessionMode.VIDEO: "video",
    SessionMode.PHONE: "phone",
}


def reference(mediation_id: str) -> str:
    """The mediation's short reference in calendars: enough for its mediator to find it."""
    return "M-" + mediation_id.replace("-", "")[:8].upper()


def _event(record: MediationSession) -> Event:
    event = Event()
    event.add("uid", f"{record.id}@ombuds")
    event.add("dtstamp", utcnow())
    event.add("dtstart", record.starts_at)
    event.add("dtend", record.ends_at)
    mode = _MODES[SessionMode(record.mode)]
    event.add("summary", f"Mediation session {reference(record.mediation_id)} ({mode})")
    # Each move is a new version of the event for calendar clients.
    event.add("sequence", sum(c.change == "rescheduled" for c in record.changes))
    event.add("status", "CANCELLED" if record.status == SessionStatus.CANCELLED else "CONFIRMED")
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "OPAQUE")
    if record.venue_in_calendar and record.venue:
        event.add("location", record.venue)
    return event


def render(records: Iterable[MediationSession], *, name: str) -> bytes:
    """A calendar of these sessions (each must have a time)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ombuds//Mediation sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for record in records:
        calendar.add_component(_event(record))
    return bytes(calendar.to_ical())
