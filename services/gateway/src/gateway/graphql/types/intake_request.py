"""Intake requests as GraphQL types."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import field_forbidden, problems_as_errors
from gateway.graphql.types.common import (
    LocationEnum,
    OccupationalGroupEnum,
    PillarEnum,
    VisitorProfile,
    parse_datetime,
)


@strawberry.type
class VisitorIdentity:
    name: str
    email: str | None
    phone: str | None
    staff_index_number: str | None
    preferred_contact: str

    @classmethod
    def from_rest(cls, data: dict[str, Any]) -> VisitorIdentity:
        return cls(
            name=data["name"],
            email=data.get("email"),
            phone=data.get("phone"),
            staff_index_number=data.get("staff_index_number"),
            preferred_contact=data.get("preferred_contact", "email"),
        )


@strawberry.type(description="A secure message with the handler of your request's case.")
class IntakeMessage:
    id: strawberry.ID
    sender: str = strawberry.field(description="visitor or handler.")
    body: str | None = strawberry.field(description="Null once destroyed under retention.")
    sent_at: dt.datetime
    read_at: dt.datetime | None = strawberry.field(description="When the other side read it.")

    @classmethod
    def from_rest(cls, data: dict[str, Any]) -> IntakeMessage:
        return cls(
            id=strawberry.ID(data["id"]),
            sender=data["sender"],
            body=data.get("body"),
            sent_at=dt.datetime.fromisoformat(data["sent_at"]),
            read_at=parse_datetime(data.get("read_at")),
        )


@strawberry.type(description="A request for the office's help.")
class IntakeRequest(VisitorProfile):
    hidden: strawberry.Private[frozenset[str]]

    @strawberry.field
    def reference(self) -> str:
        return str(self.data["reference"])

    @resolvers.field(description="submitted, accepted, declined or withdrawn.")
    def status(self) -> str:
        return str(self.data["status"])

    @resolvers.field(description="visitor, hr_portal or referring_office.")
    def channel(self) -> str:
        return str(self.data["channel"])

    @strawberry.field
    def consent_to_contact(self) -> bool:
        return bool(self.data["consent_to_contact"])

    @resolvers.field(description="No identity was given: a receipt code holder.")
    def anonymous(self) -> bool:
        return bool(self.data.get("anonymous", False))

    @strawberry.field
    def referring_unit(self) -> str | None:
        return self.data.get("referring_unit")

    @strawberry.field
    def submitted_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.data["submitted_at"])

    @strawberry.field
    def triaged_at(self) -> dt.datetime | None:
        return parse_datetime(self.data.get("triaged_at"))

    @strawberry.field
    def decline_reason(self) -> str | None:
        return self.data.get("decline_reason")

    @strawberry.field
    def decline_note(self) -> str | None:
        return self.data.get("decline_note")

    @resolvers.field(description="The case opened from this request (the office only).")
    def case_id(self) -> str | None:
        if "case_id" in self.hidden:
            raise field_forbidden("caseId")
        return self.data.get("case_id")

    @resolvers.field(description="The status of the case it opened (the visitor's own read).")
    def case_status(self) -> str | None:
        return self.data.get("case_status")

    @resolvers.field(
        description="Messages from the handler not read yet (the visitor's own read; no content)."
    )
    def messages_waiting(self) -> int | None:
        return self.data.get("messages_waiting")

    @resolvers.field(
        description="Your messages with the handler of the case (the visitor who submitted it)."
    )
    @problems_as_errors
    async def messages(self, info: GqlInfo) -> list[IntakeMessage] | None:
        path = f"/v1/intake/requests/{self.data['reference']}/messages"
        return [IntakeMessage.from_rest(m) for m in await info.context.rest("GET", path)]

    @resolvers.field(description="Who asked (the visitor themselves and the office's ombudsmen).")
    def visitor(self) -> VisitorIdentity | None:
        if "visitor" in self.hidden:
            raise field_forbidden("visitor")
        value = self.data.get("visitor")
        return VisitorIdentity.from_rest(value) if value else None


@strawberry.type(description="All a submitter learns: the reference and the office's notice.")
class IntakeAcknowledgement:
    reference: str
    status: str
    submitted_at: dt.datetime
    notice: str = strawberry.field(
        description="The informality notice, in the language negotiated from Accept-Language."
    )
    notice_language: str = strawberry.field(
        description="The notice's language: en, fr, es, ar, zh or ru."
    )
    notice_direction: str = strawberry.field(
        description="Which way the notice is written: rtl (Arabic) or ltr."
    )
    receipt_code: str | None = strawberry.field(
        default=None, description="An anonymous request's receipt code, shown this once."
    )


@strawberry.type
class TriageResult:
    reference: str
    status: str
    case_id: str | None
    receipt_code: str | None = strawberry.field(
        default=None, description="An anonymous walk-in's receipt code, shown this once."
    )


@strawberry.type(description="A conflict of interest declared with a request (final).")
class IntakeConflict:
    reference: str
    ombudsman: str
    declared_at: dt.datetime


@strawberry.input(description="A visitor an ombudsman records: in person, by phone or e-mail.")
class WalkInInput:
    channel: str
    pillar: PillarEnum
    location: LocationEnum
    occupational_group: OccupationalGroupEnum
    visitor: VisitorIdentityInput | None = None
    anonymous: bool = False
    office: str | None = None
    consent_to_contact: bool = True
    accept: bool = False

    def to_rest(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            **_identity(self.visitor, self.anonymous),
            "channel": self.channel,
            "pillar": self.pillar.value,
            "location": self.location.value,
            "occupational_group": self.occupational_group.value,
            "consent_to_contact": self.consent_to_contact,
            "accept": self.accept,
        }
        if self.office is not None:
            body["office"] = self.office
        return body


@strawberry.input
class VisitorIdentityInput:
    name: str
    email: str | None = None
    phone: str | None = None
    staff_index_number: str | None = None
    preferred_contact: str = "email"


@strawberry.input(description="A request for help; see POST /v1/intake/requests.")
class IntakeRequestInput:
    pillar: PillarEnum
    office: str
    location: LocationEnum
    occupational_group: OccupationalGroupEnum
    visitor: VisitorIdentityInput | None = None
    anonymous: bool = False
    consent_to_contact: bool = False
    referring_unit: str | None = None

    def to_rest(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            **_identity(self.visitor, self.anonymous),
            "pillar": self.pillar.value,
            "office": self.office,
            "location": self.location.value,
            "occupational_group": self.occupational_group.value,
            "consent_to_contact": self.consent_to_contact,
        }
        if self.referring_unit is not None:
            body["referring_unit"] = self.referring_unit
        return body


def _identity(visitor: VisitorIdentityInput | None, anonymous: bool) -> dict[str, Any]:
    """The identity part of a submission: the visitor, or none at all (anonymous)."""
    body: dict[str, Any] = {"anonymous": True} if anonymous else {}
    if visitor is not None:
        body["visitor"] = {k: v for k, v in vars(visitor).items() if v is not None}
    return body
