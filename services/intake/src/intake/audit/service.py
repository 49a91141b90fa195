"""Recording identity reveals, triage and bindings in intake's audit log (ids only).

The log itself (chains, auditors' routes, signed heads) is the shared `ServiceAudit`.
Every reveal of an identity goes on record here before the identity leaves the
service: a visitor's (`visitor.reveal`, context: the request, or the visitor when it
came with no request) and, for the vault of mediation parties, a party's
(`party.reveal`, record_type "party", context: the mediation it is bound to).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from intake.audit.models import AuditEvent, AuditHead
from ombuds_shared.audit import AuditEntry
from ombuds_shared.audit_log import ServiceAudit
from ombuds_shared.tokens import Actor

AUDIT = ServiceAudit("intake", AuditEvent, AuditHead)


class AboutRequest(TypedDict):
    """What an entry says, about which request (or visitor, party's mediation: its context);
    the record is the context itself unless `record_id` names another."""

    actor: Actor | None
    action: str
    context_id: str
    record_type: NotRequired[str]
    record_id: NotRequired[str | None]
    peer: NotRequired[str | None]


def _entry(**about: Unpack[AboutRequest]) -> AuditEntry:
    context_id = about["context_id"]
    return AuditEntry(
        about["actor"],
        about["action"],
        about.get("record_type", "intake_request"),
        about.get("record_id") or context_id,
        context_id=context_id,
        peer=about.get("peer"),
    )


async def record(session: AsyncSession, **about: Unpack[AboutRequest]) -> None:
    """Adds an entry to the session's transaction; the caller commits it with the change
    (or, for a reveal, before the identity leaves the service)."""
    await AUDIT.record(session, _entry(**about))


async def record_read(session: AsyncSession, **about: Unpack[AboutRequest]) -> None:
    """Records a reveal and commits it (with the other reveals of the moment, through the
    service's ReadLog) before the identity is opened; fails closed if it cannot."""
    await AUDIT.record_read(session, _entry(**about))
