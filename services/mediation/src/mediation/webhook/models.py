import datetime as dt

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mediation.case.models import new_id
from mediation.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class WebhookSubscription(Base):
    """An integrator's subscription: where to, which event types, for which desk or registry.

    The signing secrets are sealed with a data key of the subscription's own (in the key
    store, destroyed with the subscription); the previous secret stays valid until
    `previous_valid_until` after a rotation, and both sign meanwhile."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (Index("ix_webhook_subscription_scope", "scope_kind", "scope_code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    integrator: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    # A JSON list of event type codes.
    event_types: Mapped[str] = mapped_column(Text)
    scope_kind: Mapped[str] = mapped_column(String(20))  # office | tribunal
    scope_code: Mapped[str] = mapped_column(String(60))
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    previous_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    previous_valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class WebhookDelivery(Base):
    """One event for one subscription: the outbox row and its delivery log at once.

    The payload holds ids, codes and dates only (see docs/webhooks.md); `last_error` is a
    short reason (an HTTP status or an error class), never a body or a secret."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    # Also the `webhook-id` header: receivers deduplicate by it.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class DeadlineNotice(Base):
    """A deadline event already raised for a clock's due date, so that the scan raises it
    once (a new due date, after an extension, is noticed anew)."""

    __tablename__ = "webhook_deadline_notice"

    clock_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # approaching | passed
    due_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    noticed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
