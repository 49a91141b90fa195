"""The administrator's webhook routes: subscriptions, their secrets, deliveries and replay."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy import and_, or_, select

from mediation.case.dependencies import SettingsDep
from mediation.state import mediation_state
from mediation.webhook import service
from mediation.webhook.destination import DestinationRefused, check_destination, parse_networks
from mediation.webhook.models import WebhookDelivery, WebhookSubscription
from mediation.webhook.schemas import (
    DeliveryRead,
    DeliveryStatus,
    RotationCreate,
    SecretRotated,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
)
from ombuds_shared.auth import require_user
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES, NotFound, ValidationFailed
from ombuds_shared.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_time_cursor,
    encode_time_cursor,
)
from ombuds_shared.tokens import Actor

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)
AdministratorDep = Annotated[Actor, Depends(require_user("administrator"))]


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def _subscription(session: SessionDep, subscription_id: str) -> WebhookSubscription:
    found = (
        await session.get(WebhookSubscription, subscription_id) if _uuid(subscription_id) else None
    )
    if found is None:
        raise NotFound("No such webhook subscription.")
    return found


@router.post(
    "/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=SubscriptionCreated,
    summary="Subscribe an integrator's receiver to events of an office or a tribunal "
    "(administrator); the secret is shown this once",
)
async def create_subscription(
    data: SubscriptionCreate,
    envelope: EnvelopeDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: AdministratorDep,
) -> SubscriptionCreated:
    try:
        await check_destination(data.url, parse_networks(settings.webhook_allowed_networks))
    except DestinationRefused as exc:
        raise ValidationFailed(str(exc), field="url") from exc
    subscription, secret = await service.create(
        session=session, envelope=envelope, data=data, subject=actor.subject
    )
    return SubscriptionCreated(**service.read(subscription).model_dump(), secret=secret)


@router.get(
    "/subscriptions",
    response_model=Page[SubscriptionRead],
    summary="The webhook subscriptions, oldest first (administrator); never a secret",
)
async def list_subscriptions(
    session: SessionDep,
    _: AdministratorDep,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[SubscriptionRead]:
    query = select(WebhookSubscription)
    if cursor is not None:
        at, after = decode_time_cursor(cursor, oldest_first=True)
        query = query.where(
            or_(
                WebhookSubscription.created_at > at,
                and_(WebhookSubscription.created_at == at, WebhookSubscription.id > after),
            )
        )
    rows = list(
        await session.scalars(
            query.order_by(WebhookSubscription.created_at, WebhookSubscription.id).limit(limit + 1)
        )
    )
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode_time_cursor(rows[-1].created_at, rows[-1].id, oldest_first=True)
    return Page(items=[service.read(row) for row in rows], next_cursor=following)


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionRead,
    summary="A webhook subscription (administrator); never a secret",
)
async def read_subscription(
    subscription_id: str, session: SessionDep, _: AdministratorDep
) -> SubscriptionRead:
    return service.read(await _subscription(session, subscription_id))


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a webhook subscription, its deliveries and its secrets (administrator)",
)
async def remove_subscription(
    subscription_id: str, envelope: EnvelopeDep, session: SessionDep, _: AdministratorDep
) -> Response:
    subscription = await _subscription(session, subscription_id)
    await service.remove(session=session, envelope=envelope, subscription=subscription)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/subscriptions/{subscription_id}/rotate",
    response_model=SecretRotated,
    summary="Give a subscription a new secret; the previous one still signs during the "
    "overlap (administrator)",
)
async def rotate_secret(
    subscription_id: str,
    data: RotationCreate,
    envelope: EnvelopeDep,
    session: SessionDep,
    settings: SettingsDep,
    _: AdministratorDep,
) -> SecretRotated:
    subscription = await _subscription(session, subscription_id)
    hours = (
        data.overlap_hours
        if data.overlap_hours is not None
        else settings.webhook_rotation_overlap_hours
    )
    secret, until = await service.rotate(
        session=session,
        envelope=envelope,
        subscription=subscription,
        overlap=dt.timedelta(hours=hours),
    )
    return SecretRotated(
        subscription_id=subscription.id, secret=secret, previous_secret_valid_until=until
    )


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response_model=Page[DeliveryRead],
    summary="A subscription's delivery log, newest first (administrator)",
)
async def list_deliveries(
    subscription_id: str,
    session: SessionDep,
    _: AdministratorDep,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[DeliveryRead]:
    subscription = await _subscription(session, subscription_id)
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if delivery_status is not None:
        query = query.where(WebhookDelivery.status == delivery_status)
    if cursor is not None:
        at, before = decode_time_cursor(cursor)
        query = query.where(
            or_(
                WebhookDelivery.created_at < at,
                and_(WebhookDelivery.created_at == at, WebhookDelivery.id < before),
            )
        )
    rows = list(
        await session.scalars(
            query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(
                limit + 1
            )
        )
    )
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = encode_time_cursor(rows[-1].created_at, rows[-1].id)
    return Page(items=[service.read_delivery(row) for row in rows], next_cursor=following)


@router.post(
    "/deliveries/{delivery_id}/replay",
    response_model=DeliveryRead,
    summary="Send a delivery again now, with a fresh round of attempts: a dead letter once its "
    "receiver is back, or one the receiver lost (administrator)",
)
async def replay_delivery(
    delivery_id: str, request: Request, session: SessionDep, _: AdministratorDep
) -> DeliveryRead:
    delivery = await session.get(WebhookDelivery, delivery_id) if len(delivery_id) <= 40 else None
    if delivery is None:
        raise NotFound("No such webhook delivery.")
    replayed = await service.replay(session=session, delivery=delivery)
    dispatcher = mediation_state(request.app).webhook_dispatcher
    if dispatcher is not None:
        dispatcher.wake()
    return service.read_delivery(replayed)
