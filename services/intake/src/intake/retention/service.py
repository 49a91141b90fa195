"""Intake's retention schedule (P9): requests that never became a case do not linger.

A declined request, once `request_retention_months` have passed since its
decline, and a request never triaged, once they have passed since its
submission, lose their identity (crypto-shredded in the vault), their sealed
decline note, their submitter's subject, their Idempotency-Key and their keyed
fingerprint, in one transaction with an audit entry (ids and dates only). An
accepted request's identity is bound to its case and goes when the cases
service destroys that case (`POST /v1/internal/visitors/{ref}/destroy`); a
mediation's parties go with the mediation (`POST /v1/internal/mediations/{id}/
identities/destroy`). What remains of a request is listed in docs/retention.md.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake.audit import service as audit
from intake.request.models import IntakeRequest
from intake.request.schemas import RequestStatus
from intake.request.service import ACCEPT_HOLD
from intake.vault import service as vault
from intake.vault.models import Visitor
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import utcnow
from ombuds_shared.retention import (
    RETENTION_ACTOR,
    RetentionReport,
    RetentionRun,
    counted_runs,
    destroy_each,
)


def _due(cutoff: dt.datetime, now: dt.datetime) -> ColumnElement[bool]:
    """Declined before the cutoff, or never triaged since before it (and no accept under way)."""
    no_accept_under_way = or_(
        IntakeRequest.accept_started_at.is_(None),
        IntakeRequest.accept_started_at < now - ACCEPT_HOLD,
    )
    return and_(
        IntakeRequest.destroyed_at.is_(None),
        or_(
            and_(
                IntakeRequest.status == RequestStatus.DECLINED.value,
                IntakeRequest.triaged_at <= cutoff,
            ),
            and_(
                IntakeRequest.status == RequestStatus.SUBMITTED.value,
                IntakeRequest.submitted_at <= cutoff,
                no_accept_under_way,
            ),
        ),
    )


async def due_requests(
    *, session: AsyncSession, cutoff: dt.datetime, now: dt.datetime
) -> list[str]:
    """Ids of the requests due for destruction, oldest first."""
    rows = await session.scalars(
        select(IntakeRequest.id)
        .where(_due(cutoff, now))
        .order_by(IntakeRequest.submitted_at, IntakeRequest.id)
    )
    return list(rows)


@counted_runs("intake", kind="requests")
async def run(schedule: RetentionRun, *, envelope: Envelope | None) -> RetentionReport:
    """Runs the schedule once; a dry run only lists the requests that would go."""
    report, session_maker, now = schedule.new_report(), schedule.session_maker, schedule.now
    async with session_maker() as session:
        report.due = await due_requests(session=session, cutoff=report.cutoff, now=now)
    if schedule.dry_run:
        return report
    await destroy_each(
        report,
        lambda request_id: _destroy_one(session_maker, envelope, request_id, report.cutoff, now),
        session_maker,
    )
    return report


async def _destroy_one(
    session_maker: async_sessionmaker[AsyncSession],
    envelope: Envelope | None,
    request_id: str,
    cutoff: dt.datetime,
    now: dt.datetime,
) -> bool:
    async with session_maker() as session:
        # Claiming the request re-checks that it is still due: an accept or a decline
        # that won the race meanwhile keeps it (its row lock orders the two).
        claimed = await session.execute(
            update(IntakeRequest)
            .where(IntakeRequest.id == request_id, _due(cutoff, now))
            .values(destroyed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            await session.rollback()
            return False
        visitor_id = await session.scalar(
            select(IntakeRequest.visitor_id).where(IntakeRequest.id == request_id)
        )
        visitor = await session.get(Visitor, visitor_id)
        if visitor is not None and visitor.destroyed_at is None:
            await vault.destroy(envelope=envelope, visitor=visitor)
        await vault.erase_requests(session=session, visitor_ids=[str(visitor_id)])
        await audit.record(
            session,
            actor=RETENTION_ACTOR,
            action="request.destroy",
            context_id=request_id,
        )
        await session.commit()
        return True
