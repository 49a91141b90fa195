"""Recording reads and changes in the cases service's audit log (ids only).

The log itself (chains, auditors' routes, signed heads) is the shared
`ServiceAudit`; these helpers name the case each entry is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit.models import AuditEvent, AuditHead
from ombuds_shared.audit import AuditEntry
from ombuds_shared.audit_log import READ_LOG, ServiceAudit
from ombuds_shared.tokens import Actor

AUDIT = ServiceAudit("cases", AuditEvent, AuditHead)

__all__ = ["AUDIT", "READ_LOG", "entry", "record", "record_read", "record_reads"]


class AboutCase(TypedDict):
    """What an entry says about a case's record: the case itself unless `record_id` names
    another of its records."""

    actor: Actor | None
    action: str
    case_id: str
    record_type: NotRequired[str]
    record_id: NotRequired[str | None]
    peer: NotRequired[str | None]


def entry(**about: Unpack[AboutCase]) -> AuditEntry:
    case_id = about["case_id"]
    return AuditEntry(
        about["actor"],
        about["action"],
        about.get("record_type", "case"),
        about.get("record_id") or case_id,
        context_id=case_id,
        peer=about.get("peer"),
    )


async def record(session: AsyncSession, **about: Unpack[AboutCase]) -> None:
    """Adds an audit entry about a case's record to the session's transaction."""
    await AUDIT.record(session, entry(**about))


async def record_read(session: AsyncSession, **about: Unpack[AboutCase]) -> None:
    """Records a read before its content is returned, and ends the session's transaction
    (committed with the other reads of the moment through the service's ReadLog)."""
    await AUDIT.record_read(session, entry(**about))


async def record_reads(
    session: AsyncSession, *, actor: Actor, action: str, case_ids: Sequence[str]
) -> None:
    """record_read for several cases at once (batch reads): one commit for them all."""
    await AUDIT.record_reads(
        session, actor=actor, action=action, record_type="case", record_ids=case_ids
    )
