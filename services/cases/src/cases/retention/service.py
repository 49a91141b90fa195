"""The retention schedule (P9): destroying the confidential content of cases closed long enough.

For each due case, intake first crypto-shreds the visitor's identity (an
idempotent call), then the case's data key leaves the key store (physically:
that is what makes every copy of the ciphertext unreadable, see
ombuds_shared.keystore), then one transaction here deletes the notes, the
sealed terms of consents and reasons of disclosures, and writes the
destruction record. A run that destroyed something ends by compacting the key
store. A failure between the two steps leaves the case
due, and the next run finishes it. What remains is de-identified: pillar,
office, location, group, issues, services, referrals, tags, dates, statuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cases.audit import service as audit
from cases.case.models import CaseFile, CaseRow
from cases.case.service import case_context
from cases.consent.models import Consent, Disclosure
from cases.message.models import Message
from cases.note.models import Note
from cases.retention.models import DestructionRecord, DueCase
from ombuds_shared.db import count_rows, utcnow
from ombuds_shared.errors import AppError, ServiceUnavailable
from ombuds_shared.keystore import KeyStore
from ombuds_shared.retention import (
    RETENTION_ACTOR,
    RetentionReport,
    RetentionRun,
    counted_runs,
    destroy_each,
)
from ombuds_shared.tokens import Actor

DestroyIdentity = Callable[[str], Awaitable[None]]
_CASE = cast(Table, CaseFile.__table__)


async def due_cases(*, session: AsyncSession, cutoff: dt.datetime) -> list[DueCase]:
    """Closed cases whose closure is older than the cutoff and whose content still exists."""
    result = await session.execute(
        select(_CASE.c.id, _CASE.c.visitor_ref, _CASE.c.closed_at)
        .where(
            _CASE.c.status == "closed", _CASE.c.closed_at <= cutoff, _CASE.c.destroyed_at.is_(None)
        )
        .order_by(_CASE.c.closed_at, _CASE.c.id)
    )
    return [DueCase._make(row) for row in result]


@counted_runs("cases", kind="cases")
async def run(
    schedule: RetentionRun, *, key_store: KeyStore | None, destroy_identity: DestroyIdentity
) -> RetentionReport:
    """Runs the schedule once; a dry run only lists the cases that would go."""
    report, session_maker = schedule.new_report(), schedule.session_maker
    async with session_maker() as session:
        due = await due_cases(session=session, cutoff=report.cutoff)
    report.due = [case.id for case in due]
    if schedule.dry_run:
        return report
    if key_store is None:
        raise ServiceUnavailable("The key store is not configured.")
    cases = {case.id: case for case in due}

    async def destroy_one(case_id: str) -> bool:
        await destroy_case(session_maker, key_store, destroy_identity, cases[case_id])
        return True

    await destroy_each(report, destroy_one, session_maker, retried=(AppError,))
    # Every run, not only one that destroyed: a VACUUM FULL keeps a dead key while an older
    # transaction runs anywhere on the server, and the next run's pass removes it.
    await key_store.compact()
    return report


async def destroy_case(
    session_maker: async_sessionmaker[AsyncSession],
    key_store: KeyStore,
    destroy_identity: DestroyIdentity,
    case: CaseRow | DueCase,
    *,
    actor: Actor = RETENTION_ACTOR,
) -> bool:
    """Destroys one case's confidential content (and its visitor's identity, unless another
    of their cases keeps it); False if someone else destroyed it first. The schedule runs it
    for due cases; a confirmed erasure (cases.erasure) runs it early, as `actor`."""
    case_id, ref = case.id, case.visitor_ref
    async with session_maker() as session:
        shared = ref is not None and await session.scalar(
            select(func.count())
            .select_from(_CASE)
            .where(
                _CASE.c.visitor_ref == ref,
                _CASE.c.id != case_id,
                _CASE.c.destroyed_at.is_(None),
            )
        )
    # A visitor with another case whose content is kept keeps their identity for it; the
    # identity goes when the last of their cases is destroyed.
    identity_destroyed = ref is not None and not shared
    if ref is not None and identity_destroyed:
        await destroy_identity(ref)
    # The key first: once it is gone, nothing left of the case can be read, even if the
    # transaction below fails (the case then stays due and the next run finishes it).
    await key_store.delete([case_context(case_id)])  # compacted once, after the run
    async with session_maker() as session:
        now = utcnow()
        # Claiming the case first locks its row: a concurrent run (another replica) waits
        # here and then finds nothing left to do.
        claimed = await session.execute(
            update(_CASE)
            .where(_CASE.c.id == case_id, _CASE.c.destroyed_at.is_(None))
            .values(visitor_ref=None, destroyed_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            return False
        notes = await count_rows(session, Note, column="case_id", value=case_id)
        consents = await count_rows(session, Consent, column="case_id", value=case_id)
        disclosures = await count_rows(session, Disclosure, column="case_id", value=case_id)
        await session.execute(delete(Note).where(Note.case_id == case_id))
        # Messages are case content like notes: they go with it (their count is not kept).
        await session.execute(delete(Message).where(Message.case_id == case_id))
        await session.execute(
            update(Consent).where(Consent.case_id == case_id).values(details_sealed=None)
        )
        await session.execute(
            update(Disclosure)
            .where(Disclosure.case_id == case_id)
            .values(justification_sealed=None)
        )
        record = DestructionRecord(
            case_id=case_id,
            destroyed_at=now,
            run_by=actor.subject,
            notes=notes,
            consents=consents,
            disclosures=disclosures,
            identity_destroyed=identity_destroyed,
        )
        session.add(record)
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action="case.destroy",
            case_id=case_id,
            record_type="destruction_record",
            record_id=record.id,
        )
        await session.commit()
        return True
