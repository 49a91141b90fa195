"""Logging contacts on a case; each one writes its `case.contact_logged` event and audit entry."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cases import audited_records
from cases.case.models import CaseRow
from cases.contact.models import CaseContact
from cases.outbox import emit_case_event
from ombuds_shared import events
from ombuds_shared.contact import ContactCreate, ContactRead
from ombuds_shared.errors import ValidationFailed
from ombuds_shared.tokens import Actor


async def log_contact(
    *, session: AsyncSession, case: CaseRow, actor: Actor, data: ContactCreate
) -> CaseContact:
    """Logs a contact held on or after the day the case opened."""
    if data.contacted_on < case.opened_at.date():
        raise ValidationFailed(
            "A contact cannot be logged before the case opened.", field="contacted_on"
        )
    contact = CaseContact(
        case_id=case.id,
        **data.row_fields(recorded_by=actor.subject),
    )
    session.add(contact)
    emit_case_event(
        session,
        events.CaseContactLogged(
            case_id=case.id,
            contacted_on=data.contacted_on,
            medium=data.medium,
            duration_minutes=data.duration_minutes,
            participants=list(data.participants),
        ),
    )
    await audited_records.commit_with_audit(
        session, actor, "contact.log", case.id, "contact", contact
    )
    return contact


def in_contact_order(contacts: list[ContactRead]) -> list[ContactRead]:
    """The log in the order the contacts happened (then as recorded)."""
    return sorted(contacts, key=lambda c: (c.contacted_on, c.recorded_at, c.id))
