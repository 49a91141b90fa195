"""The transactional outbox: events for analytics, written in the same transaction as the change.

A service declares its table with `OutboxColumns` and calls `emit()` inside
the transaction that makes the change, so the change and its event commit
together or not at all. `OutboxRelay` delivers rows in `id` order, at least
once, in order per aggregate, with back-off per row while the receiver is
away; the consumer deduplicates by event_id. Several replicas may relay from
one PostgreSQL table at once: each claims rows with FOR UPDATE SKIP LOCKED and
holds back any row whose aggregate still has an earlier row pending elsewhere.

Payloads hold facts for analytics (codes, dates, counts, opaque ids), never
identities or free text; the gateway's projection is the second wall.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ombuds_shared import metrics
from ombuds_shared.db import UTCDateTime, utcnow
from ombuds_shared.http import ServiceClient
from ombuds_shared.tasks import cancel_and_wait, poll_until_cancelled

__all__ = [
    "EVENT_INGRESS_PATH",
    "WEBHOOK_INGRESS_PATH",
    "Deliver",
    "OutboxColumns",
    "OutboxRelay",
    "emit",
    "event_row",
]

logger = logging.getLogger("ombuds.outbox")

# The gateway's ingress for events; the relay of every producing service posts here.
EVENT_INGRESS_PATH = "/internal/events"
# Mediation's ingress for the webhook events other services produce (docs/webhooks.md).
WEBHOOK_INGRESS_PATH = "/v1/internal/webhooks/events"
# Delivery outcomes a receiver reports per event; anything else is retried.
DELIVERED_STATUSES = frozenset({"stored", "duplicate"})


class OutboxColumns:
    """Columns of a service's `outbox_event` table (mix into a declarative class)."""

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(60))
    # The case or mediation the event is about: delivery keeps order per aggregate.
    aggregate_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # Named after the table: SQLite index names are database-wide.
        table = getattr(cls, "__tablename__", "outbox_event")
        return (Index(f"ix_{table}_pending", "delivered_at", "id"),)


def emit(
    session: AsyncSession,
    model: type[OutboxColumns],
    *,
    event_type: str,
    aggregate_id: str,
    payload: dict[str, Any],
    occurred_at: dt.datetime | None = None,
) -> str:
    """Adds an event to the session's transaction; returns its event id."""
    event_id = str(uuid.uuid4())
    session.add(
        model(  # type: ignore[call-arg]
            event_id=event_id,
            event_type=event_type,
            aggregate_id=aggregate_id,
            payload=json.dumps(payload, default=str, sort_keys=True),
            occurred_at=occurred_at or utcnow(),
            attempts=0,
        )
    )
    return event_id


def event_row(
    *, event_type: str, aggregate_id: str, payload: dict[str, Any], occurred_at: dt.datetime
) -> dict[str, Any]:
    """An outbox row as `emit` would add it, for a batch insert (an import): one
    INSERT for many events, in the same transaction as the rows they are about."""
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "aggregate_id": aggregate_id,
        "payload": json.dumps(payload, default=str, sort_keys=True),
        "occurred_at": occurred_at,
        "delivered_at": None,
        "attempts": 0,
        "next_attempt_at": None,
    }


# Sends a batch of envelopes; returns the event ids the receiver took (stored or
# already had). Raising means nothing was taken.
Deliver = Callable[[list[dict[str, Any]]], Awaitable[Collection[str]]]


@dataclass(frozen=True)
class Backlog:
    """What is waiting in an outbox: how many rows, and how long the oldest has waited."""

    pending: int
    oldest_pending_age_seconds: float | None
    failing: int


async def backlog(session: AsyncSession, model: type[OutboxColumns]) -> Backlog:
    """Counts the undelivered rows of an outbox and the age of the oldest."""
    pending = model.delivered_at.is_(None)
    count, oldest, failing = (
        await session.execute(
            select(
                func.count(model.id),
                func.min(model.occurred_at),
                func.count(model.id).filter(model.attempts > 0),
            ).where(pending)
        )
    ).one()
    if isinstance(oldest, dt.datetime) and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    age = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return Backlog(int(count), age, int(failing))


def envelope_of(row: Any) -> dict[str, Any]:
    """The delivery envelope of an outbox row (see docs/events.md)."""
    return {
        "event_id": row.event_id,
        "event_type": row.event_type,
        "aggregate_id": row.aggregate_id,
        "occurred_at": row.occurred_at.isoformat(),
        "payload": json.loads(row.payload),
    }


class OutboxRelay:
    """Delivers an outbox table's rows to a receiver, in a background task."""

    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        model: type[OutboxColumns],
        deliver: Deliver,
        *,
        batch_size: int = 200,
        poll_seconds: float = 0.5,
        base_backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 60.0,
        service: str = "service",
        observe_seconds: float = 15.0,
        keep_delivered: bool = True,
    ) -> None:
        self.service = service
        # A relay buffer whose receiver keeps its own record (webhooks: mediation's delivery
        # log) deletes what it delivered, so nothing of it outlives the records it names.
        self.keep_delivered = keep_delivered
        # How often an idle or busy relay recounts its backlog for the gauges (a scrape
        # interval); it also recounts whenever it goes quiet after attempting rows.
        self.observe_seconds = observe_seconds
        self._observed_at = -float("inf")
        self._attempted_since_observed = 0
        self.session_maker = session_maker
        self.model = model
        self.deliver = deliver
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.base_backoff = base_backoff_seconds
        self.max_backoff = max_backoff_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def backoff(self, attempts: int) -> dt.timedelta:
        """How long a row waits after its `attempts`-th failure (exponential, jittered)."""
        ceiling = min(self.max_backoff, self.base_backoff * 2 ** min(attempts - 1, 30))
        return dt.timedelta(seconds=ceiling * (0.5 + random.random() / 2))  # noqa: S311

    async def deliver_once(self) -> int:
        """Claims one batch of due rows, delivers it, and records the outcome; returns
        how many rows were delivered."""
        model = self.model
        now = utcnow()
        async with self.session_maker() as session, session.begin():
            claimed = (
                await session.execute(
                    select(
                        model.id,
                        model.event_id,
                        model.event_type,
                        model.aggregate_id,
                        model.payload,
                        model.occurred_at,
                        model.attempts,
                    )
                    .where(
                        model.delivered_at.is_(None),
                        or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
                    )
                    .order_by(model.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            rows = await self._in_aggregate_order(session, claimed)
            if not rows:
                return 0
            self._attempted_since_observed += len(rows)
            try:
                taken = set(await self.deliver([envelope_of(row) for row in rows]))
            except Exception as exc:  # the receiver is away or failed: back off, keep rows
                logger.warning(
                    "outbox delivery failed", extra={"error": type(exc).__name__, "rows": len(rows)}
                )
                taken = set()
            delivered = [row.id for row in rows if row.event_id in taken]
            metrics.outbox_delivered(self.service, len(delivered))
            if len(delivered) < len(rows):
                metrics.outbox_failed(self.service, len(rows) - len(delivered))
            if delivered and self.keep_delivered:
                await session.execute(
                    update(model).where(model.id.in_(delivered)).values(delivered_at=now)
                )
            elif delivered:
                await session.execute(delete(model).where(model.id.in_(delivered)))
            for row in rows:
                if row.event_id not in taken:
                    await session.execute(
                        update(model)
                        .where(model.id == row.id)
                        .values(
                            attempts=row.attempts + 1,
                            next_attempt_at=now + self.backoff(row.attempts + 1),
                        )
                    )
            return len(delivered)

    async def _in_aggregate_order(self, session: AsyncSession, claimed: Sequence[Any]) -> list[Any]:
        """Drops claimed rows whose aggregate has an earlier row still pending that this
        batch does not hold (waiting for its back-off, or claimed by another replica)."""
        if not claimed:
            return []
        model = self.model
        ours = {row.id for row in claimed}
        earliest_foreign: dict[str, int] = {}
        pending = await session.execute(
            select(model.aggregate_id, func.min(model.id))
            .where(
                model.delivered_at.is_(None),
                model.aggregate_id.in_({row.aggregate_id for row in claimed}),
                model.id <= max(ours),
                model.id.not_in(ours),
            )
            .group_by(model.aggregate_id)
        )
        for aggregate_id, first in pending:
            earliest_foreign[aggregate_id] = first
        return [
            row for row in claimed if row.id < earliest_foreign.get(row.aggregate_id, row.id + 1)
        ]

    async def observe_backlog(self) -> Backlog:
        """Counts what is waiting and sets `ombuds_outbox_backlog` and
        `ombuds_outbox_oldest_age_seconds` for this relay's service (what the alerts watch)."""
        async with self.session_maker() as session:
            found = await backlog(session, self.model)
        metrics.observe_outbox(
            self.service,
            backlog=found.pending,
            oldest_age_seconds=found.oldest_pending_age_seconds or 0.0,
        )
        self._observed_at = time.monotonic()
        self._attempted_since_observed = 0
        return found

    def _observation_due(self, delivered: int) -> bool:
        went_quiet = delivered == 0 and self._attempted_since_observed > 0
        return went_quiet or time.monotonic() - self._observed_at >= self.observe_seconds

    async def run(self) -> None:
        """Delivers until cancelled: at once while full batches are due, else every poll
        interval (or when woken). Under a steady stream of events, passing again at once
        after a partial batch would deliver a handful per pass, and each pass costs the
        gateway and analytics a call: waiting lets the next batch fill."""
        await poll_until_cancelled(
            self._pass,
            self._wake,
            poll_seconds=self.poll_seconds,
            max_backoff=self.max_backoff,
            paused="outbox relay paused",
            log=logger,
            again_at=self.batch_size,
        )

    async def _pass(self) -> int:
        delivered = await self.deliver_once()
        if self._observation_due(delivered):
            await self.observe_backlog()
        return delivered

    def wake(self) -> None:
        """Asks the relay to look for rows now rather than at its next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self, *, timeout_seconds: float = 10.0) -> None:
        """Cancels the relay; a pass stuck in a delivery is left behind after the timeout
        (its rows stay claimed only until its transaction ends, then are delivered again)."""
        if self._task is not None:
            await cancel_and_wait(self._task, name="outbox-relay", timeout_seconds=timeout_seconds)
            self._task = None


def gateway_delivery(
    client: ServiceClient, token: Callable[[], str], path: str = EVENT_INGRESS_PATH
) -> Deliver:
    """Delivers batches to the gateway's event ingress (or another receiver's `path` that
    answers the same way) with this service's peer token."""

    async def deliver(envelopes: list[dict[str, Any]]) -> Collection[str]:
        answer = await client.call("POST", path, token=token(), json_body={"events": envelopes})
        results = answer.get("results", []) if isinstance(answer, dict) else []
        taken = set()
        for result in results:
            if result.get("status") in DELIVERED_STATUSES:
                taken.add(str(result.get("event_id")))
            else:
                logger.warning(
                    "event refused by the receiver",
                    extra={"event_id": result.get("event_id"), "status": result.get("status")},
                )
        return taken

    return deliver
