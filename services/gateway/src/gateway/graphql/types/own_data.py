"""The visitor's own data and its erasure, as GraphQL types."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.graphql.types.common import parse_datetime
from gateway.graphql.types.intake_request import IntakeRequest


@strawberry.type(description="One step of your case's status history: status and date.")
class StatusStep:
    status: str
    changed_at: dt.datetime


@strawberry.type(description="A request that a closed matter be erased: dates only.")
class ErasureState:
    requested_at: dt.datetime
    confirmed_at: dt.datetime | None

    @classmethod
    def from_rest(cls, data: dict[str, Any] | None) -> ErasureState | None:
        if not data:
            return None
        return cls(
            requested_at=dt.datetime.fromisoformat(data["requested_at"]),
            confirmed_at=parse_datetime(data.get("confirmed_at")),
        )


@strawberry.type(
    description="Your case as you may see it: statuses and dates. The handler's notes, "
    "consents and coding are privileged."
)
class OwnCase:
    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    status_history: list[StatusStep]
    erasure: ErasureState | None

    @classmethod
    def from_rest(cls, data: dict[str, Any]) -> OwnCase:
        return cls(
            status=data["status"],
            opened_at=dt.datetime.fromisoformat(data["opened_at"]),
            closed_at=parse_datetime(data.get("closed_at")),
            status_history=[
                StatusStep(
                    status=step["status"], changed_at=dt.datetime.fromisoformat(step["changed_at"])
                )
                for step in data["status_history"]
            ],
            erasure=ErasureState.from_rest(data.get("erasure")),
        )


@strawberry.type(description="One of your requests, with the case it became.")
class OwnRequest(IntakeRequest):
    @strawberry.field
    def case(self) -> OwnCase | None:
        value = self.data.get("case")
        return OwnCase.from_rest(value) if value else None


@strawberry.type(description="Everything the office holds about you that is not privileged.")
class OwnData:
    requests: list[OwnRequest]


@strawberry.type(description="Your request for erasure, as recorded.")
class ErasureRequested:
    reference: str
    requested_at: dt.datetime
    confirmed_at: dt.datetime | None


@strawberry.type(description="A visitor's request to erase a closed case: ids and dates only.")
class ErasureRequest:
    case_id: str
    case_status: str
    assigned_to: str | None
    requested_at: dt.datetime
    confirmed_at: dt.datetime | None
    confirmed_by: str | None

    @classmethod
    def from_rest(cls, data: dict[str, Any]) -> ErasureRequest:
        return cls(
            case_id=data["case_id"],
            case_status=data["case_status"],
            assigned_to=data.get("assigned_to"),
            requested_at=dt.datetime.fromisoformat(data["requested_at"]),
            confirmed_at=parse_datetime(data.get("confirmed_at")),
            confirmed_by=data.get("confirmed_by"),
        )


@strawberry.type(description="What is left once a confirmed erasure ran: dates and a flag.")
class ErasureConfirmation:
    case_id: str
    requested_at: dt.datetime
    confirmed_at: dt.datetime
    destroyed_at: dt.datetime
    identity_destroyed: bool
