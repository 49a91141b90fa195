"""The outbox of the cases service: the `case.*` events of docs/events.md."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cases.db import Base
from ombuds_shared.events import CaseAssigned, CaseEvent, emit_event
from ombuds_shared.outbox import OutboxColumns


class OutboxEvent(OutboxColumns, Base):
    __tablename__ = "outbox_event"


class WebhookOutbox(OutboxColumns, Base):
    """Webhook events (docs/webhooks.md), relayed to mediation, which hosts webhooks."""

    __tablename__ = "webhook_outbox"


def emit_case_assigned(session: AsyncSession, case_id: str, office: str, day: dt.date) -> None:
    """`case.assigned` for the office's desk: the case id, office and day, never the
    assignee (a staff identity) nor anything of the case's content."""
    emit_event(
        session, WebhookOutbox, CaseAssigned(case_id=case_id, office=office, assigned_on=day)
    )


def emit_case_event(session: AsyncSession, event: CaseEvent) -> None:
    """Adds a `case.*` event (facts for analytics only: codes, dates, counts)."""
    emit_event(session, OutboxEvent, event)
