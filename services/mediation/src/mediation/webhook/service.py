"""Subscriptions and the events they receive, recorded in the transaction of the change."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.webhook.models import WebhookDelivery, WebhookSubscription
from mediation.webhook.schemas import (
    SCOPE_EVENTS,
    DeliveryRead,
    EventType,
    ScopeKind,
    ScopeRead,
    SubscriptionCreate,
    SubscriptionRead,
)
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict, ServiceUnavailable, ValidationFailed
from ombuds_shared.events import WebhookEvent

SECRET_PREFIX = "whsec_"  # noqa: S105 (a format prefix, not a secret)
SECRET_FIELD = "webhook_secret"  # noqa: S105 (a field name)


def secret_context(subscription_id: str) -> str:
    """The envelope context (and key store id) of a subscription's data key."""
    return f"webhook:{subscription_id}"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


def _envelope(envelope: Envelope | None) -> Envelope:
    if envelope is None:
        raise ServiceUnavailable("Webhook secrets need the master key, which is not configured.")
    return envelope


async def seal_secret(envelope: Envelope | None, subscription_id: str, secret: str) -> bytes:
    ring = _envelope(envelope)
    data_key = await ring.data_key_or_new(secret_context(subscription_id))
    return Envelope.seal(data_key, secret, SECRET_FIELD)


async def signing_secrets(
    envelope: Envelope | None, subscription: Any, now: dt.datetime
) -> list[str]:
    """The secrets that sign now: the current one, and the previous during its overlap."""
    ring = _envelope(envelope)
    data_key = await ring.data_key(secret_context(subscription.id))
    secrets = [Envelope.open(data_key, subscription.secret_sealed, SECRET_FIELD)]
    until = subscription.previous_valid_until
    if subscription.previous_secret_sealed is not None and until is not None and until > now:
        secrets.append(Envelope.open(data_key, subscription.previous_secret_sealed, SECRET_FIELD))
    return secrets


def read(subscription: WebhookSubscription) -> SubscriptionRead:
    now = utcnow()
    until = subscription.previous_valid_until
    return SubscriptionRead(
        id=subscription.id,
        integrator=subscription.integrator,
        url=subscription.url,
        event_types=[EventType(t) for t in json.loads(subscription.event_types)],
        scope=ScopeRead(kind=ScopeKind(subscription.scope_kind), code=subscription.scope_code),
        created_at=subscription.created_at,
        rotated_at=subscription.rotated_at,
        previous_secret_valid_until=until if until is not None and until > now else None,
    )


def read_delivery(delivery: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead.model_validate(delivery, from_attributes=True)


async def create(
    *, session: AsyncSession, envelope: Envelope | None, data: SubscriptionCreate, subject: str
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (returned once, stored sealed)."""
    allowed = SCOPE_EVENTS[data.scope.kind]
    unfit = sorted(t.value for t in data.event_types if t not in allowed)
    if unfit:
        raise ValidationFailed(
            f"A {data.scope.kind.value} subscription cannot receive: {', '.join(unfit)}.",
            field="event_types",
        )
    subscription_id = str(uuid.uuid4())
    secret = new_secret()
    subscription = WebhookSubscription(
        id=subscription_id,
        integrator=data.integrator,
        url=data.url,
        event_types=json.dumps(sorted({t.value for t in data.event_types})),
        scope_kind=data.scope.kind.value,
        scope_code=data.scope.code,
        secret_sealed=await seal_secret(envelope, subscription_id, secret),
        created_by=subject,
        created_at=utcnow(),
    )
    session.add(subscription)
    await session.commit()
    return subscription, secret


async def rotate(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    subscription: WebhookSubscription,
    overlap: dt.timedelta,
) -> tuple[str, dt.datetime | None]:
    """A new secret; the current one keeps signing alongside it for `overlap`.

    With no overlap (a secret leaked), every earlier secret stops signing at once, even
    during an earlier rotation's overlap.
    """
    now = utcnow()
    in_overlap = (
        subscription.previous_valid_until is not None and subscription.previous_valid_until > now
    )
    if overlap and in_overlap:
        assert subscription.previous_valid_until is not None
        # A third secret would leave one the receiver may still use unsigned-for.
        raise Conflict(
            "The previous rotation's overlap has not ended yet; rotate again after "
            f"{subscription.previous_valid_until.isoformat()}, or now with an overlap of 0 "
            "hours to retire every earlier secret at once."
        )
    secret = new_secret()
    current = subscription.secret_sealed
    until = now + overlap if overlap else None
    # Only over the secret this rotation read: of two rotations at once, the later would
    # otherwise write back, as its previous secret, one the other has just retired.
    rotated = await session.execute(
        update(WebhookSubscription)
        .where(
            WebhookSubscription.id == subscription.id, WebhookSubscription.secret_sealed == current
        )
        .values(
            previous_secret_sealed=current if overlap else None,
            previous_valid_until=until,
            secret_sealed=await seal_secret(envelope, subscription.id, secret),
            rotated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if rotated.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        raise Conflict("The subscription was rotated meanwhile; read it and rotate again.")
    await session.commit()
    return secret, until


async def remove(
    *, session: AsyncSession, envelope: Envelope | None, subscription: WebhookSubscription
) -> None:
    """Removes the subscription, its deliveries, and (physically) its secrets' data key."""
    for delivery in (
        await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
        )
    ).all():
        await session.delete(delivery)
    await session.delete(subscription)
    await session.commit()
    await _envelope(envelope).destroy_keys([secret_context(subscription.id)])


async def replay(*, session: AsyncSession, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queues a delivery again now, with a fresh round of attempts: a dead letter after its
    receiver is back, or a delivered one the receiver lost (the same `webhook-id`, so a
    receiver that kept it deduplicates)."""
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.delivered_at = None
    await session.commit()
    return delivery


async def record_event(
    session: AsyncSession,
    event: WebhookEvent,
    *,
    scope_code: str,
    event_id: str,
    occurred_at: dt.datetime | None = None,
) -> int:
    """Queues the event for every subscription of its scope (an office or a tribunal) that
    listens for its type, in the caller's transaction (committed with the change, or not at
    all); returns how many. The receiver gets the event's model: ids, codes and dates."""
    event_type = EventType(event.event_type)
    scope_kind = ScopeKind(event.scope)
    subscriptions = (
        await session.execute(
            select(WebhookSubscription.id, WebhookSubscription.event_types).where(
                WebhookSubscription.scope_kind == scope_kind.value,
                WebhookSubscription.scope_code == scope_code,
            )
        )
    ).all()
    listening = [row.id for row in subscriptions if event_type.value in json.loads(row.event_types)]
    if not listening:
        return 0
    already = set(
        (
            await session.scalars(
                select(WebhookDelivery.subscription_id).where(
                    WebhookDelivery.event_id == event_id,
                    WebhookDelivery.subscription_id.in_(listening),
                )
            )
        ).all()
    )
    at = occurred_at or utcnow()
    body = json.dumps(
        {"type": event_type.value, "timestamp": at.isoformat(), "data": event.payload()},
        default=str,
        separators=(",", ":"),
        sort_keys=True,
    )
    now = utcnow()
    for subscription_id in listening:
        if subscription_id in already:
            continue
        session.add(
            WebhookDelivery(
                id=f"msg_{uuid.uuid4().hex}",
                subscription_id=subscription_id,
                event_id=event_id,
                event_type=event_type.value,
                payload=body,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(listening) - len(already)


async def prune_delivery_log(
    *, session: AsyncSession, days: int, now: dt.datetime | None = None
) -> int:
    """Deletes deliveries delivered more than `days` ago; answers how many went.

    The log is for an administrator looking into a receiver's trouble, not a record: its
    bodies (ids, codes, dates) need not outlive the weeks that takes. Dead letters stay
    until they are replayed or their subscription goes.
    """
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    pruned = await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status == "delivered", WebhookDelivery.delivered_at <= cutoff
        )
    )
    return int(pruned.rowcount)  # type: ignore[attr-defined]
