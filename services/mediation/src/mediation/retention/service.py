"""Mediation's retention schedule (P9): a closed mediation's content does not outlive it.

Once `retention_months` have passed since a mediation closed, intake first
crypto-shreds the identities bound to it (its parties; an idempotent call),
then the notes' data key leaves the key store, and one transaction here
deletes the notes and the history of its sessions, erases the sessions'
venues, replaces each party's reference by the party row's own random id,
and writes the
destruction record (counts and dates, no content). A failure between the two
steps leaves the mediation due, and the next run finishes it.

What survives is listed in docs/retention.md: the mediation's coded facts
(pillar, office, issues, outcome, dates), its deadline ledger, and the
tribunal certificates, which state dates only and which registries must still
be able to verify.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mediation.case.models import Mediation, MediationSession, Party, SessionChange
from mediation.case.schemas import MediationStatus
from mediation.note.models import MediationNote
from mediation.note.service import destroy_notes_key
from mediation.retention.models import MediationDestruction
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import count_rows, utcnow
from ombuds_shared.errors import AppError
from ombuds_shared.retention import (
    RETENTION_ACTOR,
    RetentionReport,
    RetentionRun,
    counted_runs,
    destroy_each,
)

# Asks intake to destroy the identities bound to a mediation; answers how many there were.
DestroyIdentities = Callable[[str], Awaitable[int]]
_MEDIATION = cast(Table, Mediation.__table__)


async def due_mediations(*, session: AsyncSession, cutoff: dt.datetime) -> list[str]:
    """Closed mediations whose closure is older than the cutoff and whose content remains."""
    rows = await session.scalars(
        select(_MEDIATION.c.id)
        .where(
            _MEDIATION.c.status == MediationStatus.CLOSED.value,
            _MEDIATION.c.closed_at <= cutoff,
            _MEDIATION.c.destroyed_at.is_(None),
        )
        .order_by(_MEDIATION.c.closed_at, _MEDIATION.c.id)
    )
    return list(rows)


@counted_runs("mediation", kind="mediations")
async def run(
    schedule: RetentionRun, *, envelope: Envelope | None, destroy_identities: DestroyIdentities
) -> RetentionReport:
    """Runs the schedule once; a dry run only lists the mediations that would go."""
    report, session_maker = schedule.new_report(), schedule.session_maker
    async with session_maker() as session:
        report.due = await due_mediations(session=session, cutoff=report.cutoff)
    if schedule.dry_run:
        return report
    await destroy_each(
        report,
        lambda mediation_id: _destroy_one(
            session_maker, envelope, destroy_identities, mediation_id
        ),
        session_maker,
        retried=(AppError,),  # intake refused or is away: retried on the next run
    )
    return report


async def _destroy_one(
    session_maker: async_sessionmaker[AsyncSession],
    envelope: Envelope | None,
    destroy_identities: DestroyIdentities,
    mediation_id: str,
) -> bool:
    identities = await destroy_identities(mediation_id)
    # The notes' key first, from the key store: once it is gone nothing left of the notes can
    # be read, even if the transaction below fails (the mediation then stays due).
    await destroy_notes_key(envelope=envelope, mediation_id=mediation_id)
    async with session_maker() as session:
        now = utcnow()
        # Claiming the mediation locks its row: a concurrent run waits, then finds it done.
        claimed = await session.execute(
            update(_MEDIATION)
            .where(_MEDIATION.c.id == mediation_id, _MEDIATION.c.destroyed_at.is_(None))
            .values(destroyed_at=now, version=_MEDIATION.c.version + 1)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            return False
        notes = await count_rows(session, MediationNote, column="mediation_id", value=mediation_id)
        parties = await count_rows(session, Party, column="mediation_id", value=mediation_id)
        await session.execute(
            delete(MediationNote).where(MediationNote.mediation_id == mediation_id)
        )
        # A session keeps its day and mode (coded facts); its venue and the history of its
        # moves and cancellations (times, reason codes) go with the content.
        sessions = select(MediationSession.id).where(MediationSession.mediation_id == mediation_id)
        await session.execute(delete(SessionChange).where(SessionChange.session_id.in_(sessions)))
        await session.execute(
            update(MediationSession)
            .where(MediationSession.mediation_id == mediation_id)
            .values(venue=None, venue_in_calendar=False)
        )
        # The reference named the party to the office; the row's random id names nobody.
        await session.execute(
            update(Party).where(Party.mediation_id == mediation_id).values(reference=Party.id)
        )
        session.add(
            MediationDestruction(
                mediation_id=mediation_id,
                destroyed_at=now,
                run_by=RETENTION_ACTOR.subject,
                notes=notes,
                parties=parties,
                identities=identities,
            )
        )
        await session.commit()
    # Again, now that the mediation is claimed: a note written while this ran may have
    # created the key anew (note writes re-check `destroyed_at` from here on).
    await destroy_notes_key(envelope=envelope, mediation_id=mediation_id)
    return True
