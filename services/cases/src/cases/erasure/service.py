"""A visitor's erasure of their closed matter (issue 19): asked through intake, confirmed by
the case's handler or the office's chief, carried out by the retention schedule's own
destruction (cases.retention.service.destroy_case), early and for that one case.

What stays is what the schedule leaves: the case's de-identified facts, its destruction
record, and this request's dates. Analytics is not touched: it never held more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cases.audit import service as audit
from cases.case.dependencies import refuse_departed
from cases.case.models import CaseFile, CaseRow, StatusChange
from cases.erasure.models import ErasureRequest, ErasureRequestRow
from cases.retention.models import DestructionRecord
from cases.retention.service import DestroyIdentity, destroy_case
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict, Forbidden, ServiceUnavailable, ValidationFailed
from ombuds_shared.keystore import KeyStore
from ombuds_shared.pagination import decode_cursor, encode_cursor
from ombuds_shared.retention import scrub_wal
from ombuds_shared.tokens import Actor

_CASE = cast(Table, CaseFile.__table__)
_ERASURE = cast(Table, ErasureRequest.__table__)
_CLOSED = "closed"


def refuse_unless_closed(case: CaseRow) -> None:
    if case.destroyed_at is not None:
        raise Conflict("This case's content was already destroyed.")
    if case.status != _CLOSED:
        raise Conflict("Only a closed matter is erased; this case is still open.")


async def _erasure_of(session: AsyncSession, case_id: str) -> ErasureRequest | None:
    # Fresh from the database: a confirmation is written in a session of its own.
    return await session.scalar(
        select(ErasureRequest)
        .where(ErasureRequest.case_id == case_id)
        .execution_options(populate_existing=True)
    )


async def visitor_view(*, session: AsyncSession, case: CaseRow) -> dict[str, Any]:
    """The case as its visitor may see it: statuses and dates (intake audits the read)."""
    steps = await session.execute(
        select(StatusChange.status, StatusChange.changed_at)
        .where(StatusChange.case_id == case.id)
        .order_by(StatusChange.changed_at, StatusChange.id)
    )
    erasure = await _erasure_of(session, case.id)
    await session.commit()
    return {
        "status": case.status,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "status_history": [
            {"status": status, "changed_at": changed_at} for status, changed_at in steps
        ],
        "erasure": None
        if erasure is None
        else {"requested_at": erasure.requested_at, "confirmed_at": erasure.confirmed_at},
    }


async def request_erasure(
    *, session: AsyncSession, case: CaseRow, actor: Actor | None, peer: str | None
) -> ErasureRequest:
    """Records the visitor's request (intake vouches that it is theirs); asking again
    changes nothing."""
    refuse_unless_closed(case)
    existing = await _erasure_of(session, case.id)
    if existing is not None:
        await session.commit()
        return existing
    request = ErasureRequest(case_id=case.id, requested_at=utcnow())
    session.add(request)
    try:
        await session.flush()
    except IntegrityError:  # asked twice at once: the other request stands
        await session.rollback()
        again = await _erasure_of(session, case.id)
        assert again is not None
        return again
    await audit.record(
        session,
        actor=actor,
        peer=peer,
        action="erasure.request",
        case_id=case.id,
        record_type="erasure_request",
        record_id=request.id,
    )
    await session.commit()
    created = await _erasure_of(session, case.id)
    assert created is not None
    return created


def may_confirm(case: CaseRow, actor: Actor) -> None:
    """The case's handler, or the office's chief (the case is the office's already)."""
    if actor.has_any("chief"):
        return
    if case.assigned_to != actor.subject:
        raise Forbidden("Only the ombudsman assigned to this case, or the chief, may do this.")


async def confirm(
    *,
    session: AsyncSession,
    session_maker: async_sessionmaker[AsyncSession],
    key_store: KeyStore | None,
    destroy_identity: DestroyIdentity,
    case: CaseRow,
    actor: Actor,
) -> dict[str, Any]:
    """Confirms the visitor's request and runs the destruction for this case at once."""
    may_confirm(case, actor)
    # Checked against the roster, not the token: destruction is not for a departed member.
    await refuse_departed(session, actor)
    erasure = await _erasure_of(session, case.id)
    if erasure is None:
        raise Conflict("The visitor has not asked for this case to be erased.")
    if erasure.confirmed_at is None:
        refuse_unless_closed(case)
    await session.commit()  # no transaction held while intake and the key store work
    if key_store is None:
        raise ServiceUnavailable("The key store is not configured.")
    if erasure.confirmed_at is None:
        async with session_maker() as marking:
            confirmed_at = utcnow()
            await marking.execute(
                _ERASURE.update()
                .where(_ERASURE.c.id == erasure.id, _ERASURE.c.confirmed_at.is_(None))
                .values(confirmed_at=confirmed_at, confirmed_by=actor.subject)
            )
            await audit.record(
                marking,
                actor=actor,
                action="erasure.confirm",
                case_id=case.id,
                record_type="erasure_request",
                record_id=erasure.id,
            )
            await marking.commit()
    # The schedule's own destruction: a failure half-way leaves the case confirmed but not
    # destroyed, and confirming again (or the next run, once due) finishes it.
    if case.destroyed_at is None:
        await destroy_case(session_maker, key_store, destroy_identity, case, actor=actor)
        await key_store.compact()
        await scrub_wal(session_maker)
    erasure = await _erasure_of(session, case.id)
    record = await session.scalar(
        select(DestructionRecord).where(DestructionRecord.case_id == case.id)
    )
    await session.commit()
    assert erasure is not None
    assert record is not None
    return {
        "case_id": case.id,
        "requested_at": erasure.requested_at,
        "confirmed_at": erasure.confirmed_at,
        "destroyed_at": record.destroyed_at,
        "identity_destroyed": record.identity_destroyed,
    }


async def list_requests(
    *, session: AsyncSession, actor: Actor, cursor: str | None, limit: int, case_ids: list[str]
) -> tuple[list[ErasureRequestRow], str | None]:
    """The erasure requests of the office (chief) or of the caller's cases (ombudsman),
    newest first. A departed member lists nothing: the roster, not their token, decides."""
    await refuse_departed(session, actor)
    query = (
        select(
            _ERASURE.c.id,
            _ERASURE.c.case_id,
            _ERASURE.c.requested_at,
            _ERASURE.c.confirmed_at,
            _ERASURE.c.confirmed_by,
            _CASE.c.status.label("case_status"),
            _CASE.c.assigned_to,
        )
        .join(_CASE, _CASE.c.id == _ERASURE.c.case_id)
        .where(_CASE.c.office == (actor.office or ""))
    )
    if not actor.has_any("chief"):
        query = query.where(_CASE.c.assigned_to == actor.subject)
    if case_ids:
        query = query.where(_ERASURE.c.case_id.in_(case_ids))
    if cursor:
        requested_at, erasure_id = decode_cursor(cursor, 2)
        try:
            requested_at = dt.datetime.fromisoformat(requested_at)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("The cursor is not valid.", field="cursor") from exc
        query = query.where(
            (_ERASURE.c.requested_at < requested_at)
            | ((_ERASURE.c.requested_at == requested_at) & (_ERASURE.c.id < erasure_id))
        )
    query = query.order_by(_ERASURE.c.requested_at.desc(), _ERASURE.c.id.desc()).limit(limit + 1)
    rows = [ErasureRequestRow._make(row) for row in await session.execute(query)]
    await session.commit()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].requested_at.isoformat(), rows[-1].id)
    return rows, next_cursor
