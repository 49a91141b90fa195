"""The outbox of the cases service: the `case.*` events of docs/events.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cases.db import Base
from ombuds_shared.outbox import OutboxColumns, emit, event_row


class OutboxEvent(OutboxColumns, Base):
    __tablename__ = "outbox_event"


class WebhookOutbox(OutboxColumns, Base):
    """Webhook events (docs/webhooks.md), relayed to mediation, which hosts webhooks."""

    __tablename__ = "webhook_outbox"


def emit_case_assigned(session: AsyncSession, case_id: str, office: str, day: dt.date) -> None:
    """`case.assigned` for the office's desk: the case id, office and day, never the
    assignee (a staff identity) nor anything of the case's content."""
    payload = {"case_id": case_id, "office": office, "assigned_on": day.isoformat()}
    emit(session, WebhookOutbox, event_type="case.assigned", aggregate_id=case_id, payload=payload)


def emit_case_event(
    session: AsyncSession, event_type: str, case_id: str, day: dt.date, **facts: Any
) -> None:
    """Adds a `case.*` event (facts for analytics only: codes, dates, counts)."""
    date_field = _DATE_FIELD[event_type]
    payload = {"case_id": case_id, date_field: day.isoformat(), **facts}
    emit(session, OutboxEvent, event_type=event_type, aggregate_id=case_id, payload=payload)


def case_event_row(
    event_type: str, case_id: str, day: dt.date, occurred_at: dt.datetime, **facts: Any
) -> dict[str, Any]:
    """The outbox row of a `case.*` event, for a batch insert (an import): the same
    payload `emit_case_event` writes, dated `day`."""
    payload = {"case_id": case_id, _DATE_FIELD[event_type]: day.isoformat(), **facts}
    return event_row(
        event_type=event_type, aggregate_id=case_id, payload=payload, occurred_at=occurred_at
    )


# The name of each event's date field, as docs/events.md lists it.
_DATE_FIELD = {
    "case.opened": "opened_on",
    "case.issue_recorded": "recorded_on",
    "case.service_given": "given_on",
    "case.status_changed": "changed_on",
    "case.closed": "closed_on",
    "case.systemic_issue_tagged": "tagged_on",
    "case.referral_made": "referred_on",
    "case.contact_logged": "contacted_on",
}
