"""Helpers every domain of the service uses to write and read a case's records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from ombuds_shared.errors import Conflict
from ombuds_shared.tokens import Actor


async def commit_with_audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    case_id: str,
    record_type: str,
    record: Any,
    duplicate: str | None = None,
) -> None:
    """Flushes the change, adds its audit entry and commits; a duplicate is a 409."""
    try:
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action=action,
            case_id=case_id,
            record_type=record_type,
            record_id=record.id,
        )
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        if duplicate is None:
            raise
        raise Conflict(duplicate) from exc


async def list_rows(
    *, session: AsyncSession, model: Any, case: RowMapping, actor: Actor, what: str
) -> list[RowMapping]:
    """The rows of one kind recorded for a case, oldest first (the read is audited)."""
    table = model.__table__
    result = await session.execute(
        select(table).where(table.c.case_id == case["id"]).order_by(*_chronological(table))
    )
    rows = list(result.mappings())
    await audit.record_read(session, actor=actor, action=f"{what}.read", case_id=case["id"])
    return rows


def _chronological(table: Any) -> list[Any]:
    when = next(c for c in table.c if c.name.endswith("_at"))
    return [when, table.c.id]
