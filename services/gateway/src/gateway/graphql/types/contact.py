"""The contact log of a case or mediation: dates, media, minutes and roles, never names."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.graphql.types.common import from_rest, rest_body
from ombuds_shared.contact import ContactMedium, ContactParticipant

_MEDIA = ", ".join(m.value for m in ContactMedium)
_ROLES = ", ".join(r.value for r in ContactParticipant)


@strawberry.type(description="A contact with the people of a case or mediation (no content).")
class Contact:
    id: strawberry.ID
    contacted_on: dt.date
    medium: str = strawberry.field(description=f"One of {_MEDIA}.")
    duration_minutes: int
    participants: list[str] = strawberry.field(description=f"Roles, never names: {_ROLES}.")
    recorded_at: dt.datetime


@strawberry.type(description="The contacts, in the order they happened, and the time they took.")
class ContactLog:
    items: list[Contact]
    contact_count: int
    time_on_case_minutes: int = strawberry.field(description="The sum of the contacts' minutes.")

    @classmethod
    def of(cls, data: dict[str, Any]) -> ContactLog:
        return from_rest(cls, data, items=[from_rest(Contact, c) for c in data["items"]])


@strawberry.input(description="A contact to log: no names and no text (a note holds content).")
class ContactInput:
    medium: str = strawberry.field(description=f"One of {_MEDIA}.")
    duration_minutes: int = strawberry.field(
        description="1..1440; an e-mail or message may take 0."
    )
    participants: list[str] = strawberry.field(description=f"Roles, never names: {_ROLES}.")
    contacted_on: dt.date | None = strawberry.field(default=None, description="Today if unset.")

    def to_rest(self) -> dict[str, Any]:
        return rest_body(**vars(self))
