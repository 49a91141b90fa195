"""The dispatcher: delivers due webhook deliveries, signed, with back-off and a dead letter.

A pass claims due rows by pushing their next attempt past a lease (FOR UPDATE SKIP
LOCKED on PostgreSQL, so replicas share the work), then posts each outside any
transaction, then records the outcome: delivered, retried after an exponential,
jittered wait, or dead-lettered after the configured number of attempts (replayed by
hand). Nothing is lost while a receiver is down: the row stays until it is delivered
or dead-lettered, and a dead letter stays until it is replayed or its subscription goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from typing import Any

import aiohttp
from fastapi import FastAPI
from sqlalchemy import func, select, update
from standardwebhooks.webhooks import Webhook

from mediation.case.models import Mediation
from mediation.config import MediationSettings
from mediation.deadline.models import DeadlineClock
from mediation.state import mediation_state
from mediation.webhook import service
from mediation.webhook.destination import (
    CheckedResolver,
    DestinationRefused,
    check_destination,
    parse_networks,
)
from mediation.webhook.models import DeadlineNotice, WebhookDelivery, WebhookSubscription
from ombuds_shared import metrics
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.events import DeadlineApproaching, DeadlinePassed
from ombuds_shared.tasks import cancel_and_wait, poll_until_cancelled

logger = logging.getLogger("ombuds.webhooks")
BATCH = 50
USER_AGENT = "Ombuds-Webhooks/1"


class WebhookDispatcher:
    """Delivers the webhook outbox of one service replica, in a background task."""

    def __init__(self, app: FastAPI) -> None:
        settings = settings_of(app, MediationSettings)
        self.app = app
        self.settings = settings
        self.allowed = parse_networks(settings.webhook_allowed_networks)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    def backoff(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failure: doubling, capped, jittered (50-100%)."""
        base = self.settings.webhook_backoff_seconds * 2 ** min(attempts - 1, 30)
        ceiling = min(self.settings.webhook_max_backoff_seconds, base)
        return dt.timedelta(seconds=ceiling * (0.5 + random.random() / 2))  # noqa: S311

    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            connector = aiohttp.TCPConnector(
                resolver=CheckedResolver(self.allowed), use_dns_cache=False, limit=20
            )
            self._http = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.settings.webhook_timeout_seconds),
            )
        return self._http

    async def deliver_due(self) -> int:
        """One pass: claims and sends the due deliveries; returns how many were attempted."""
        session_maker = state_of(self.app).session_maker
        now = utcnow()
        lease = now + dt.timedelta(seconds=self.settings.webhook_timeout_seconds * 2 + 5)
        async with session_maker() as session, session.begin():
            due = (
                await session.scalars(
                    select(WebhookDelivery.id)
                    .where(
                        WebhookDelivery.status == "pending",
                        WebhookDelivery.next_attempt_at <= now,
                    )
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if due:
                await session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id.in_(due))
                    .values(next_attempt_at=lease)
                )
        for delivery_id in due:
            await self.deliver_one(delivery_id)
        await self.observe_backlog()
        return len(due)

    async def observe_backlog(self) -> None:
        async with state_of(self.app).session_maker() as session:
            pending = await session.scalar(
                select(func.count(WebhookDelivery.id)).where(WebhookDelivery.status == "pending")
            )
        metrics.webhook_backlog(self.settings.service_name, int(pending or 0))

    async def deliver_one(self, delivery_id: str) -> None:
        session_maker = state_of(self.app).session_maker
        async with session_maker() as session:
            found = (
                await session.execute(
                    select(WebhookDelivery, WebhookSubscription)
                    .join(WebhookSubscription)
                    .where(WebhookDelivery.id == delivery_id)
                )
            ).first()
        if found is None:  # its subscription was removed meanwhile
            return
        delivery, subscription = found
        status_code, error = await self.post(delivery, subscription)
        now = utcnow()
        attempts = delivery.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_status_code": status_code,
            "last_error": error,
        }
        service_name = self.settings.service_name
        if error is None:
            values.update(status="delivered", delivered_at=now, next_attempt_at=None)
            metrics.webhook_delivery(service_name, "delivered")
        elif attempts >= self.settings.webhook_max_attempts:
            values.update(status="dead", next_attempt_at=None)
            metrics.webhook_delivery(service_name, "dead_letter")
            logger.warning(
                "webhook delivery dead-lettered",
                extra={"delivery_id": delivery.id, "attempts": attempts, "why": error},
            )
        else:
            values.update(next_attempt_at=now + self.backoff(attempts))
            metrics.webhook_delivery(service_name, "failed")
        async with session_maker() as session, session.begin():
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == "pending")
                .values(**values)
            )

    async def post(
        self, delivery: WebhookDelivery, subscription: WebhookSubscription
    ) -> tuple[int | None, str | None]:
        """Sends one delivery; returns the receiver's status and the error (None: delivered)."""
        timestamp = utcnow()
        body = delivery.payload.encode()
        try:
            secrets = await service.signing_secrets(
                state_of(self.app).envelope, subscription, timestamp
            )
            # The spec's multiple-signature header: during a rotation's overlap the receiver
            # may hold either secret, so both sign.
            signature = " ".join(
                Webhook(secret).sign(delivery.id, timestamp, body) for secret in secrets
            )
            # Again at delivery: the name may point elsewhere now (the connector's resolver
            # also refuses any address that is not allowed, so it cannot change in between).
            await check_destination(subscription.url, self.allowed)
            async with self.http().post(
                subscription.url,
                data=body,
                headers={
                    "content-type": "application/json",
                    "user-agent": USER_AGENT,
                    "webhook-id": delivery.id,
                    "webhook-timestamp": str(int(timestamp.timestamp())),
                    "webhook-signature": signature,
                },
                allow_redirects=False,
            ) as response:
                await response.content.readany()  # a receiver's body is never kept
                if 200 <= response.status < 300:
                    return response.status, None
                return response.status, f"HTTP {response.status}"
        except DestinationRefused as exc:
            return None, f"destination refused: {exc}"[:200]
        except Exception as exc:  # the receiver is away, slow or broken: retried
            cause = exc.__cause__ if isinstance(exc.__cause__, DestinationRefused) else None
            if cause is not None:
                return None, f"destination refused: {cause}"[:200]
            return None, type(exc).__name__[:200]

    async def run(self) -> None:
        await poll_until_cancelled(
            self.deliver_due,
            self._wake,
            poll_seconds=self.settings.webhook_poll_seconds,
            max_backoff=60.0,
            paused="webhook dispatcher paused",
            log=logger,
        )

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="webhook-dispatcher")

    async def stop(self, *, timeout_seconds: float = 10.0) -> None:
        # Not cancel-then-await: that would also swallow the caller's own cancellation.
        if self._task is not None:
            await cancel_and_wait(
                self._task, name="webhook-dispatcher", timeout_seconds=timeout_seconds
            )
            self._task = None
        if self._http is not None:
            await self._http.close()


async def scan_deadlines(app: FastAPI, today: dt.date | None = None) -> int:
    """Raises deadline.approaching (within the lead time) and deadline.passed once per
    running clock and due date; returns how many events it raised."""
    settings = settings_of(app, MediationSettings)
    today = today or utcnow().date()
    horizon = today + dt.timedelta(days=settings.webhook_deadline_lead_days)
    raised = 0
    async with state_of(app).session_maker() as session, session.begin():
        clocks = (
            await session.execute(
                select(
                    DeadlineClock.id,
                    DeadlineClock.kind,
                    DeadlineClock.due_on,
                    DeadlineClock.mediation_id,
                    Mediation.office,
                )
                .join(Mediation, Mediation.id == DeadlineClock.mediation_id)
                .where(
                    DeadlineClock.state == "running",
                    DeadlineClock.due_on.is_not(None),
                    DeadlineClock.due_on <= horizon,
                )
            )
        ).all()
        if not clocks:
            return 0
        noticed = {
            (row.clock_id, row.kind, row.due_on)
            for row in (
                await session.execute(
                    select(
                        DeadlineNotice.clock_id, DeadlineNotice.kind, DeadlineNotice.due_on
                    ).where(DeadlineNotice.clock_id.in_([clock.id for clock in clocks]))
                )
            ).all()
        }
        for clock in clocks:
            kind = "passed" if clock.due_on < today else "approaching"
            if (clock.id, kind, clock.due_on) in noticed:
                continue
            session.add(DeadlineNotice(clock_id=clock.id, kind=kind, due_on=clock.due_on))
            notice = DeadlinePassed if kind == "passed" else DeadlineApproaching
            await service.record_event(
                session,
                notice(
                    mediation_id=clock.mediation_id,
                    clock_id=clock.id,
                    clock_kind=clock.kind,
                    due_on=clock.due_on,
                ),
                scope_code=clock.office,
                event_id=f"deadline:{clock.id}:{kind}:{clock.due_on.isoformat()}",
            )
            raised += 1
    if raised:
        dispatcher = mediation_state(app).webhook_dispatcher
        if dispatcher is not None:
            dispatcher.wake()
    return raised


async def scan_periodically(app: FastAPI) -> None:
    """Announces deadlines and prunes the delivery log, every scan interval."""
    settings = settings_of(app, MediationSettings)
    while True:
        try:
            await scan_deadlines(app)
            async with state_of(app).session_maker() as session, session.begin():
                await service.prune_delivery_log(session=session, days=settings.webhook_log_days)
        except Exception as exc:
            logger.warning("deadline scan failed", extra={"error": type(exc).__name__})
        await asyncio.sleep(settings.webhook_deadline_scan_seconds)


def with_webhooks(app: FastAPI) -> None:
    """Runs the dispatcher and the deadline scan while the app is up (after its startup)."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        async with inner(app):
            dispatcher = WebhookDispatcher(app)
            mediation_state(app).webhook_dispatcher = dispatcher
            dispatcher.start()
            scan = asyncio.create_task(scan_periodically(app), name="webhook-deadline-scan")
            try:
                yield
            finally:
                await cancel_and_wait(scan, name="webhook-deadline-scan", timeout_seconds=10.0)
                await dispatcher.stop()

    app.router.lifespan_context = lifespan
