"""What the holder of a receipt code may do with their request."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from intake.audit import service as audit
from intake.message import service as case_side
from intake.receipt.schemas import ReceiptRequestRead
from intake.request import service as request_service
from intake.request.models import IntakeRequest
from intake.vault import service as vault
from intake.vault.schemas import VisitorIdentity
from ombuds_shared.crypto import Envelope
from ombuds_shared.dependencies import state_of
from ombuds_shared.errors import Conflict
from ombuds_shared.tokens import Actor


async def status(
    *, app: FastAPI, session: AsyncSession, request: IntakeRequest
) -> ReceiptRequestRead:
    """The request's course as its holder sees it: status, decline, case status, waiting."""
    case_status = waiting = None
    if request.case_id is not None:
        view = await case_side.case_view(app=app, request=request)
        case_status, waiting = view.status, view.messages_waiting
    note = await request_service.decline_note(state_of(app).envelope, request)
    await session.commit()
    return ReceiptRequestRead(
        reference=request.reference,
        status=request.status,
        submitted_at=request.submitted_at,
        triaged_at=request.triaged_at,
        decline_reason=request.decline_reason,
        decline_note=note,
        case_status=case_status,
        messages_waiting=waiting,
        contact_given=not vault.is_anonymous(request.visitor),
    )


async def add_contact(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    request: IntakeRequest,
    identity: VisitorIdentity,
    actor: Actor,
) -> None:
    """Seals the contact details the holder chose to give into the vault (once, audited).

    They go into the request's own visitor record, under its own data key: bound to the
    request's case like any identity, revealed only to who may see that one, and
    destroyed with it."""
    if not vault.is_anonymous(request.visitor):
        raise Conflict("Contact details were already added to this request.")
    await vault.add_identity(envelope=envelope, visitor=request.visitor, identity=identity)
    request.consent_to_contact = True  # they gave the details to be reached
    await audit.record(
        session,
        actor=actor,
        action="visitor.contact.add",
        context_id=request.id,
        record_type="visitor",
        record_id=request.visitor_id,
    )
    await session.commit()
