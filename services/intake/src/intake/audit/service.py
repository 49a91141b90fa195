"""Recording identity reveals, triage and bindings in intake's audit log (ids only)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from intake.audit.models import AuditEvent, AuditHead
from ombuds_shared import audit
from ombuds_shared.tokens import Actor


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    context_id: str,
    record_type: str = "intake_request",
    record_id: str | None = None,
    peer: str | None = None,
) -> None:
    """Adds an entry to the session's transaction; the caller commits it with the change
    (or, for a reveal, before the identity leaves the service)."""
    await audit.append(
        session,
        AuditEvent,
        AuditHead,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id or context_id,
        context_id=context_id,
        peer=peer,
    )
