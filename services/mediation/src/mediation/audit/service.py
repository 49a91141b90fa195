"""Recording reads and changes in the mediation service's audit log (ids only).

The log itself (chains, auditors' routes, signed heads) is the shared
`ServiceAudit`; every entry here is about one mediation (its context), so the
entries of a mediation stay in order in one chain. What is recorded:
`note.write` and `notes.read` (before the notes leave the service),
`party.add` and `party.agreement` (a party bound to the mediation, their answer),
`referral.accept`, `mediator.assign` (who will read the notes and the parties'
identities), `certificate.issue` and `certificate.revoke`, and the diary's
`session.plan`, `session.reschedule`, `session.cancel` and `session.held`.
Whatever else binds a party or reveals something about one (e.g. its identity,
through intake) records here with `record`/`record_read` and `context_id` = the mediation's id.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict, Unpack

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from mediation.audit.models import AuditEvent, AuditHead
from ombuds_shared.audit import AuditEntry
from ombuds_shared.audit_log import ServiceAudit
from ombuds_shared.errors import Conflict
from ombuds_shared.tokens import Actor

AUDIT = ServiceAudit("mediation", AuditEvent, AuditHead)


class AboutMediation(TypedDict):
    """What an entry says about a mediation's record: the mediation itself unless
    `record_id` names another of its records."""

    actor: Actor | None
    action: str
    mediation_id: str
    record_type: NotRequired[str]
    record_id: NotRequired[str | None]
    peer: NotRequired[str | None]


def _entry(**about: Unpack[AboutMediation]) -> AuditEntry:
    mediation_id = about["mediation_id"]
    return AuditEntry(
        about["actor"],
        about["action"],
        about.get("record_type", "mediation"),
        about.get("record_id") or mediation_id,
        context_id=mediation_id,
        peer=about.get("peer"),
    )


async def record(session: AsyncSession, **about: Unpack[AboutMediation]) -> None:
    """Adds an entry about a mediation's record to the session's transaction (the caller
    commits it with the change)."""
    try:
        # The change first, then its entry (the order of locks on every path), and a
        # concurrent change found here is the same 409 as at commit.
        await session.flush()
    except (StaleDataError, IntegrityError) as exc:
        await session.rollback()
        raise Conflict("The mediation changed meanwhile; read it again and retry.") from exc
    await AUDIT.record(session, _entry(**about))


async def record_read(session: AsyncSession, **about: Unpack[AboutMediation]) -> None:
    """Records a read and commits it, before its content is returned."""
    await AUDIT.record_read(session, _entry(**about))
