"""Logging contacts on a mediation; each one writes its `mediation.contact_logged` event and
its audit entry in the same transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.audit import service as audit
from mediation.case.models import Mediation
from mediation.contact.models import MediationContact
from mediation.outbox import OutboxEvent
from ombuds_shared.contact import ContactCreate, ContactRead, contact_read
from ombuds_shared.errors import Conflict, ValidationFailed
from ombuds_shared.events import MediationContactLogged, emit_event
from ombuds_shared.tokens import Actor


async def log_contact(
    *, session: AsyncSession, mediation: Mediation, actor: Actor, data: ContactCreate
) -> MediationContact:
    """Logs a contact held on or after the day the mediation opened."""
    if mediation.destroyed_at is not None:
        raise Conflict("This mediation's content was destroyed under the retention schedule.")
    if data.contacted_on < mediation.opened_at.date():
        raise ValidationFailed(
            "A contact cannot be logged before the mediation opened.", field="contacted_on"
        )
    contact = MediationContact(
        mediation_id=mediation.id,
        **data.row_fields(recorded_by=actor.subject),
    )
    session.add(contact)
    logged = MediationContactLogged(
        mediation_id=mediation.id,
        contacted_on=data.contacted_on,
        medium=data.medium,
        duration_minutes=data.duration_minutes,
        participants=list(data.participants),
    )
    emit_event(session, OutboxEvent, logged)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="contact.log",
        mediation_id=mediation.id,
        record_type="contact",
        record_id=contact.id,
    )
    await session.commit()
    return contact


async def contacts(*, session: AsyncSession, mediation: Mediation) -> list[ContactRead]:
    """The mediation's contacts in the order they happened (then as recorded)."""
    result = await session.scalars(
        select(MediationContact)
        .where(MediationContact.mediation_id == mediation.id)
        .order_by(MediationContact.contacted_on, MediationContact.recorded_at, MediationContact.id)
    )
    return [contact_read(contact) for contact in result]
