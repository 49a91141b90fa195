"""Ombudsman cases as GraphQL types, with what the office recorded about them.

A case's records come through the request's loaders: a page of cases asks the
cases service once per kind of record, not once per case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import (
    LocationEnum,
    OccupationalGroupEnum,
    PillarEnum,
    VisitorProfile,
    from_rest,
    parse_datetime,
    rest_body,
)
from gateway.graphql.types.contact import ContactLog
from gateway.graphql.types.intake_request import VisitorIdentity
from gateway.graphql.types.mediation import Mediation


@strawberry.type(description="An issue of a case: a sub-category of the taxonomy.")
class CaseIssue:
    code: str
    category: str = strawberry.field(description="The major category (1-9).")
    taxonomy_version: str
    recorded_at: dt.datetime


@strawberry.type(description="A service the office gave in a case.")
class ServiceGiven:
    id: strawberry.ID
    service: str = strawberry.field(
        description="consultation, options, coaching, facilitation, problem_solving, "
        "shuttle_diplomacy, mediation, group_process or referral."
    )
    given_on: dt.date
    mediation_id: str | None

    @resolvers.field(description="The mediation this service opened (the Mediation Service's).")
    @problems_as_errors
    async def mediation(self, info: GqlInfo) -> Mediation | None:
        if self.mediation_id is None:
            return None
        return Mediation.of(await info.context.loaders.mediation.load(self.mediation_id))


@strawberry.type(description="A referral of the visitor to a formal channel.")
class Referral:
    id: strawberry.ID
    formal_channel: str
    referred_on: dt.date


@strawberry.type(description="A systemic issue of the register that the case is an instance of.")
class SystemicTag:
    systemic_issue: str
    tagged_at: dt.datetime


@strawberry.type
class StatusChange:
    status: str
    closure_reason: str | None
    changed_by: str
    changed_at: dt.datetime


@strawberry.type
class Assignment:
    assignee: str
    assigned_by: str
    assigned_at: dt.datetime
    ended_at: dt.datetime | None


@strawberry.type(description="An ombudsman's declaration of a conflict of interest, or of none.")
class ConflictDeclaration:
    id: strawberry.ID
    ombudsman: str
    has_conflict: bool
    declared_at: dt.datetime
    cleared_at: dt.datetime | None = None
    cleared_by: str | None = None
    cleared_reason: str | None = None


@strawberry.type(description="Who handles the case, who did before, and the declarations.")
class AssignmentHistory:
    assigned_to: str | None
    assignments: list[Assignment]
    declarations: list[ConflictDeclaration]

    @classmethod
    def of(cls, data: dict[str, Any]) -> AssignmentHistory:
        return from_rest(
            cls,
            data,
            assignments=[from_rest(Assignment, a) for a in data["assignments"]],
            declarations=[from_rest(ConflictDeclaration, d) for d in data["declarations"]],
        )


@strawberry.type(description="A consent the visitor gave, with its scope (sealed terms).")
class Consent:
    id: strawberry.ID
    scope: str = strawberry.field(
        description="contact_supervisor, contact_hr, contact_third_party or share_identity."
    )
    with_office: str | None
    details: str | None
    given_at: dt.datetime
    revoked_at: dt.datetime | None
    live: bool


@strawberry.type(description="An action taken under a consent of the same scope.")
class ConsentedAction:
    id: strawberry.ID
    action: str
    with_office: str | None
    consent_id: str
    taken_at: dt.datetime


@strawberry.type(description="A break-glass disclosure: to whom, by whom, when (never why).")
class Disclosure:
    id: strawberry.ID
    disclosed_to: str
    made_by: str
    made_at: dt.datetime


@strawberry.type
class DisclosureMonth:
    month: str
    disclosures: int


@strawberry.type(description="The office's break-glass disclosures, counted (the chief).")
class DisclosureOversight:
    office: str
    total: int
    by_month: list[DisclosureMonth]
    disclosures: list[Disclosure]

    @classmethod
    def of(cls, data: dict[str, Any]) -> DisclosureOversight:
        return from_rest(
            cls,
            data,
            by_month=[from_rest(DisclosureMonth, m) for m in data["by_month"]],
            disclosures=[from_rest(Disclosure, d) for d in data["disclosures"]],
        )


@strawberry.type(description="A confidential note; the assigned ombudsman's alone.")
class CaseNote:
    id: strawberry.ID
    body: str | None = strawberry.field(description="Null once destroyed under retention.")
    author: str
    written_at: dt.datetime


@strawberry.type(
    description="A secure message between the case's visitor and its assigned ombudsman."
)
class CaseMessage:
    id: strawberry.ID
    sender: str = strawberry.field(description="visitor or handler.")
    author: str | None = strawberry.field(
        description="The ombudsman who wrote it; null for the visitor."
    )
    body: str | None = strawberry.field(description="Null once destroyed under retention.")
    sent_at: dt.datetime
    read_at: dt.datetime | None = strawberry.field(description="When the other side first read it.")


@strawberry.type(
    description="An ombudsman case; the visitor is known only by reference. Its records are "
    "nullable: one your role may not read is null, with a FORBIDDEN error for that field."
)
class Case(VisitorProfile):
    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.data["id"])

    @resolvers.field(description="An opaque reference; null for a case opened without one.")
    def visitor_ref(self) -> str | None:
        return self.data.get("visitor_ref")

    @strawberry.field
    def intake_channel(self) -> str:
        return str(self.data["intake_channel"])

    @strawberry.field
    def is_group(self) -> bool:
        return bool(self.data["is_group"])

    @strawberry.field
    def participant_count(self) -> int:
        return int(self.data["participant_count"])

    @resolvers.field(description="opened, in_progress, on_hold or closed.")
    def status(self) -> str:
        return str(self.data["status"])

    @strawberry.field
    def closure_reason(self) -> str | None:
        return self.data.get("closure_reason")

    @resolvers.field(
        description="The visitor's one-time exit-survey token: only in the answer to the "
        "change of status that closes the case, kept nowhere."
    )
    def exit_survey_token(self) -> str | None:
        return self.data.get("exit_survey_token")

    @resolvers.field(description="The ombudsman handling the case, if any.")
    def assigned_to(self) -> str | None:
        return self.data.get("assigned_to")

    @strawberry.field
    def opened_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.data["opened_at"])

    @strawberry.field
    def closed_at(self) -> dt.datetime | None:
        return parse_datetime(self.data.get("closed_at"))

    @resolvers.field(description="When its confidential content was destroyed (retention).")
    def destroyed_at(self) -> dt.datetime | None:
        return parse_datetime(self.data.get("destroyed_at"))

    @resolvers.field(description="The issues recorded, oldest first.")
    @problems_as_errors
    async def issues(self, info: GqlInfo) -> list[CaseIssue] | None:
        rows = await info.context.loaders.case_issues.load(self.data["id"])
        return [from_rest(CaseIssue, r) for r in rows]

    @resolvers.field(description="The services given, oldest first.")
    @problems_as_errors
    async def services(self, info: GqlInfo) -> list[ServiceGiven] | None:
        rows = await info.context.loaders.case_services.load(self.data["id"])
        return [from_rest(ServiceGiven, r) for r in rows]

    @resolvers.field(description="The referrals to formal channels, oldest first.")
    @problems_as_errors
    async def referrals(self, info: GqlInfo) -> list[Referral] | None:
        rows = await info.context.loaders.case_referrals.load(self.data["id"])
        return [from_rest(Referral, r) for r in rows]

    @resolvers.field(description="The systemic issues the case is tagged with.")
    @problems_as_errors
    async def systemic_issues(self, info: GqlInfo) -> list[SystemicTag] | None:
        rows = await info.context.loaders.case_systemic_issues.load(self.data["id"])
        return [from_rest(SystemicTag, r) for r in rows]

    @resolvers.field(
        description="The contact log and the time on the case (the office reads it; the "
        "assigned ombudsman writes it)."
    )
    @problems_as_errors
    async def contacts(self, info: GqlInfo) -> ContactLog | None:
        return ContactLog.of(await info.context.loaders.case_contacts.load(self.data["id"]))

    @resolvers.field(description="The status history, oldest first.")
    @problems_as_errors
    async def status_history(self, info: GqlInfo) -> list[StatusChange] | None:
        rows = await info.context.loaders.case_status_changes.load(self.data["id"])
        return [from_rest(StatusChange, r) for r in rows]

    @resolvers.field(description="Who was assigned when, and the conflict declarations.")
    @problems_as_errors
    async def assignment(self, info: GqlInfo) -> AssignmentHistory | None:
        return AssignmentHistory.of(
            await info.context.loaders.case_assignments.load(self.data["id"])
        )

    @resolvers.field(description="The visitor's consents (the assigned ombudsman only).")
    @problems_as_errors
    async def consents(self, info: GqlInfo) -> list[Consent] | None:
        rows = await info.context.loaders.case_consents.load(self.data["id"])
        return [from_rest(Consent, r) for r in rows]

    @resolvers.field(description="Confidential notes (the assigned ombudsman only).")
    @problems_as_errors
    async def notes(self, info: GqlInfo) -> list[CaseNote] | None:
        rows = await info.context.loaders.case_notes.load(self.data["id"])
        return [from_rest(CaseNote, r) for r in rows]

    @resolvers.field(
        description="Secure messages with the visitor (the assigned ombudsman only; each read "
        "is audited and marks the visitor's messages read)."
    )
    @problems_as_errors
    async def messages(self, info: GqlInfo) -> list[CaseMessage] | None:
        rows = await info.context.loaders.case_messages.load(self.data["id"])
        return [from_rest(CaseMessage, r) for r in rows]

    @resolvers.field(
        description="Who the visitor is, from intake's vault (the assigned ombudsman only; "
        "each reveal is audited)."
    )
    @problems_as_errors
    async def visitor(self, info: GqlInfo) -> VisitorIdentity | None:
        return VisitorIdentity.from_rest(
            await info.context.loaders.case_visitor.load(self.data["id"])
        )


@strawberry.input(description="A case opened directly by your office; see POST /v1/cases.")
class CaseInput:
    pillar: PillarEnum
    location: LocationEnum
    occupational_group: OccupationalGroupEnum
    intake_channel: str = strawberry.field(description="e.g. in_person, phone, email.")
    visitor_ref: str | None = None
    is_group: bool = False
    participant_count: int = 1

    def to_rest(self) -> dict[str, Any]:
        return rest_body(**vars(self))
