import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from ombuds_shared.events import WEBHOOK_EVENTS
from ombuds_shared.schemas import InputModel


class EventType(StrEnum):
    """What a webhook can announce (docs/webhooks.md lists each payload)."""

    # The events of ombuds_shared.events.WEBHOOK_EVENTS (tests/test_event_models.py).

    REQUEST_RECEIVED = "request.received"
    CASE_ASSIGNED = "case.assigned"
    DEADLINE_APPROACHING = "deadline.approaching"
    DEADLINE_PASSED = "deadline.passed"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"


class ScopeKind(StrEnum):
    OFFICE = "office"  # an office's desk
    TRIBUNAL = "tribunal"  # a tribunal's registry


# What each kind of scope may hear of: a registry only what its own routes show it
# (certificates), a desk its office's work. Each event's model names its scope.
SCOPE_EVENTS: dict[ScopeKind, frozenset[EventType]] = {
    kind: frozenset(EventType(t) for t, model in WEBHOOK_EVENTS.items() if model.scope == kind)
    for kind in ScopeKind
}


ScopeCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{1,59}$")]


class Scope(InputModel):
    kind: ScopeKind
    code: ScopeCode = Field(description="The office code, or the tribunal code.")


class SubscriptionCreate(InputModel):
    integrator: Annotated[
        str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)
    ]
    url: Annotated[str, StringConstraints(min_length=8, max_length=2000)] = Field(
        description="The receiver; a private or loopback address only if the configuration "
        "allow-lists it."
    )
    event_types: list[EventType] = Field(min_length=1, max_length=len(EventType))
    scope: Scope


class RotationCreate(InputModel):
    overlap_hours: float | None = Field(
        None,
        ge=0,
        le=720,
        description="How long the previous secret keeps signing too (default: the service's "
        "setting). 0 retires every earlier secret at once (a secret leaked), even during an "
        "earlier rotation's overlap.",
    )


class ScopeRead(BaseModel):
    kind: ScopeKind
    code: str


class SubscriptionRead(BaseModel):
    id: str
    integrator: str
    url: str
    event_types: list[EventType]
    scope: ScopeRead
    created_at: dt.datetime
    rotated_at: dt.datetime | None
    previous_secret_valid_until: dt.datetime | None = Field(
        description="Until when the secret before the last rotation also signs (null: none)."
    )


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(
        description="The signing secret (`whsec_...`), shown this once: keep it where your "
        "receiver verifies signatures."
    )


class SecretRotated(BaseModel):
    subscription_id: str
    secret: str = Field(description="The new signing secret, shown this once.")
    previous_secret_valid_until: dt.datetime | None = Field(
        description="Until when the previous secret signs too; null after a rotation with no "
        "overlap, which retires every earlier secret at once."
    )


DeliveryStatus = Literal["pending", "delivered", "dead"]


class DeliveryRead(BaseModel):
    """A delivery's log line: never its payload's secrets (it has none) nor a receiver's body."""

    id: str
    subscription_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    last_status_code: int | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
