"""Recording reads and changes in the audit log, and reading the log (auditors only)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit.models import AuditEvent, AuditHead
from ombuds_shared import audit
from ombuds_shared.errors import ValidationFailed
from ombuds_shared.pagination import decode_cursor, encode_cursor
from ombuds_shared.tokens import Actor


async def record(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    case_id: str,
    record_type: str = "case",
    record_id: str | None = None,
    peer: str | None = None,
) -> None:
    """Adds an audit entry about a case's record to the session's transaction."""
    await audit.append(
        session,
        AuditEvent,
        AuditHead,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id or case_id,
        context_id=case_id,
        peer=peer,
    )


READ_LOG = "read_log"


async def record_read(
    session: AsyncSession,
    *,
    actor: Actor | None,
    action: str,
    case_id: str,
    record_type: str = "case",
    record_id: str | None = None,
) -> None:
    """Records a read before its content is returned, and ends the session's transaction.

    The service's sessions carry its `ReadLog` (see cases.main): the read's own
    transaction ends first, handing its connection back, and the entry is
    committed together with the other reads of the moment. Without a read log
    (tools, scripts) the entry is committed in the session's own transaction.
    """
    read_log: audit.ReadLog | None = session.info.get(READ_LOG)
    if read_log is None:
        await record(
            session, actor=actor, action=action, case_id=case_id,
            record_type=record_type, record_id=record_id,
        )  # fmt: skip
        await session.commit()
        return
    await session.commit()
    await read_log.record(
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id or case_id,
        context_id=case_id,
    )


async def record_reads(
    session: AsyncSession, *, actor: Actor, action: str, case_ids: Sequence[str]
) -> None:
    """record_read for several cases at once (batch reads): one commit for them all."""
    read_log: audit.ReadLog | None = session.info.get(READ_LOG)
    if read_log is None:
        # In chain order: each append locks its chain's head until commit, so two
        # batches taking heads in the same order never wait on each other in a cycle.
        for case_id in sorted(case_ids, key=lambda c: (audit.chain_of(c), c)):
            await record(session, actor=actor, action=action, case_id=case_id)
        await session.commit()
        return
    await session.commit()
    # Recorded side by side, they go into one batch of the log (which locks in chain order).
    await asyncio.gather(*(
        read_log.record(actor=actor, action=action, record_type="case", record_id=case_id,
                        context_id=case_id)
        for case_id in case_ids
    ))  # fmt: skip


async def list_entries(
    *,
    session: AsyncSession,
    record_id: str | None,
    case_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """The log, oldest first, one page at a time (who, what, when; no content)."""
    table = AuditEvent.__table__
    query = select(table)
    if record_id:
        query = query.where(table.c.record_id == record_id)
    if case_id:
        query = query.where(table.c.context_id == case_id)
    if cursor:
        (after,) = decode_cursor(cursor, 1)
        if not isinstance(after, int):
            raise ValidationFailed("The cursor is not valid.")
        query = query.where(table.c.id > after)
    result = await session.execute(query.order_by(table.c.id).limit(limit + 1))
    rows = [dict(row) for row in result.mappings()]
    await session.commit()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["id"])
    return rows, next_cursor
