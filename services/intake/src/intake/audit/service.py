"""Recording identity reveals, triage and bindings in intake's audit log (ids only).

The log itself (chains, auditors' routes, signed heads) is the shared `ServiceAudit`.
Every reveal of an identity goes on record here before the identity leaves the
service: a visitor's (`visitor.reveal`, context: the request, or the visitor when it
came with no request) and, for the vault of mediation parties, a party's
(`party.reveal`, record_type "party", context: the mediation it is bound to).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from intake.audit.models import AuditEvent, AuditHead
from ombuds_shared.audit_log import ServiceAudit
from ombuds_shared.tokens import Actor

AUDIT = ServiceAudit("intake", AuditEvent, AuditHead)


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
    await AUDIT.record(
        session,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id or context_id,
        context_id=context_id,
        peer=peer,
    )


async def record_read(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    context_id: str,
    record_type: str,
    record_id: str,
    peer: str | None = None,
) -> None:
    """Records a reveal and commits it (with the other reveals of the moment, through the
    service's ReadLog) before the identity is opened; fails closed if it cannot."""
    await AUDIT.record_read(
        session,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        context_id=context_id,
        peer=peer,
    )
