"""The events of docs/events.md, one pydantic model each.

Producers build these models and emit them (`emit_event`, `event_row_of`); the
gateway's projection allow-list is derived from the decision every field carries
(`decisions`), and analytics' schemas are checked against the names that decision
gives (`projected_fields`). A field without a decision cannot be projected: deriving
the allow-list fails, so a field added here without saying how it passes (or that it
is dropped) never reaches analytics by accident.

Events hold facts for analytics only (codes, dates, counts, opaque ids), never an
identity or free text; the one exception is the register entry the chief publishes.
The wire shape is docs/events.md: a payload is the model's JSON, with the fields the
producer set (an optional field it leaves out stays out, as before these models).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, get_args

from pydantic import BaseModel, ConfigDict, PlainSerializer, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from ombuds_shared.contact import ContactMedium, ContactParticipant
from ombuds_shared.directory import CODE_PATTERN
from ombuds_shared.outbox import OutboxColumns, emit, event_row
from ombuds_shared.taxonomy import SystemicIssueStatus
from ombuds_shared.vocabulary import (
    CaseStatus,
    ClosureReason,
    FormalChannel,
    Location,
    OccupationalGroup,
    Outcome,
    Pillar,
    ReferralSource,
    ServiceKind,
    SessionMode,
)


class Shape(StrEnum):
    """How a field passes the gateway's projection to analytics."""

    KEY = "key"  # an id, as a keyed pseudonym
    MONTH = "month"  # a date, as its month (`X_on` -> `X_month`)
    CODE = "code"
    CODES = "codes"
    FLAG = "flag"
    COUNT = "count"
    DURATION = "duration"  # a count of days, coarsened with the date it ends on
    YEAR = "year"
    TEXT = "text"  # bounded plain text: the published register entry only
    STATUSES = "statuses"  # [{"year", "status"}]
    DROPPED = "dropped"  # never forwarded


@dataclass(frozen=True, slots=True)
class Decision:
    """The allow-list decision of one event field."""

    shape: Shape
    name: str | None = None  # its name in analytics; None: derived from the source name
    kind: str = ""  # KEY: the pseudonym's kind
    limit: int = 0  # TEXT: the longest text
    ends: str = ""  # DURATION: the date field it ends on


def key(kind: str, name: str) -> Decision:
    return Decision(Shape.KEY, name=name, kind=kind)


MONTH = Decision(Shape.MONTH)
CODE = Decision(Shape.CODE)
CODES = Decision(Shape.CODES)
FLAG = Decision(Shape.FLAG)
COUNT = Decision(Shape.COUNT)
YEAR = Decision(Shape.YEAR)
STATUSES = Decision(Shape.STATUSES)
DROPPED = Decision(Shape.DROPPED)


def text(limit: int) -> Decision:
    return Decision(Shape.TEXT, limit=limit)


def duration(ends: str) -> Decision:
    return Decision(Shape.DURATION, ends=ends)


class Undecided(TypeError):
    """An event field with no allow-list decision."""


class Event(BaseModel):
    """One event of docs/events.md; its fields are its payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    aggregate: ClassVar[str]  # the field holding the aggregate's id

    @property
    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate))

    def payload(self) -> dict[str, Any]:
        # Unset optional fields stay out: the payloads already stored have them absent.
        return self.model_dump(mode="json", exclude_unset=True)


def emit_event(
    session: AsyncSession,
    model: type[OutboxColumns],
    event: Event,
    *,
    occurred_at: dt.datetime | None = None,
) -> str:
    """Adds the event to the session's transaction; returns its event id."""
    return emit(
        session,
        model,
        event_type=event.event_type,
        aggregate_id=event.aggregate_id,
        payload=event.payload(),
        occurred_at=occurred_at,
    )


def event_row_of(event: Event, occurred_at: dt.datetime) -> dict[str, Any]:
    """The outbox row of the event, for a batch insert (an import)."""
    return event_row(
        event_type=event.event_type,
        aggregate_id=event.aggregate_id,
        payload=event.payload(),
        occurred_at=occurred_at,
    )


# Aliases: the type of a field and its allow-list decision, together.
CaseId = Annotated[str, key("case", "case_key")]
MediationId = Annotated[str, key("mediation", "mediation_key")]
EntryId = Annotated[str, key("systemic_entry", "entry_key")]
Day = Annotated[dt.date, MONTH]
Code = Annotated[str, CODE]
Codes = Annotated[list[str], CODES]
Flag = Annotated[bool, FLAG]
Count = Annotated[int, COUNT]
OptionalCount = Annotated[int | None, COUNT]
Participants = Annotated[list[ContactParticipant], CODES]


class CaseEvent(Event):
    aggregate: ClassVar[str] = "case_id"
    case_id: CaseId


class MediationEvent(Event):
    aggregate: ClassVar[str] = "mediation_id"
    mediation_id: MediationId


class CaseOpened(CaseEvent):
    event_type: ClassVar[str] = "case.opened"
    opened_on: Day
    pillar: Annotated[Pillar, CODE]
    office: Code
    location: Annotated[Location, CODE]
    occupational_group: Annotated[OccupationalGroup, CODE]
    intake_channel: Code
    is_group: Flag
    participant_count: OptionalCount = None


class CaseIssueRecorded(CaseEvent):
    event_type: ClassVar[str] = "case.issue_recorded"
    issue_code: Code
    category: Code
    taxonomy_version: Code
    recorded_on: Day


class CaseServiceGiven(CaseEvent):
    event_type: ClassVar[str] = "case.service_given"
    service: Annotated[ServiceKind, CODE]
    given_on: Day


class CaseStatusChanged(CaseEvent):
    event_type: ClassVar[str] = "case.status_changed"
    status: Annotated[CaseStatus, CODE]
    changed_on: Day


class CaseClosed(CaseEvent):
    event_type: ClassVar[str] = "case.closed"
    closed_on: Day
    closure_reason: Annotated[ClosureReason, CODE]
    # Time to resolution; imports leave it out (their cases have none).
    days_open: Annotated[int | None, duration("closed_on")] = None


class CaseSystemicIssueTagged(CaseEvent):
    event_type: ClassVar[str] = "case.systemic_issue_tagged"
    systemic_issue: Code
    tagged_on: Day


class CaseReferralMade(CaseEvent):
    event_type: ClassVar[str] = "case.referral_made"
    formal_channel: Annotated[FormalChannel, CODE]
    referred_on: Day


class CaseContactLogged(CaseEvent):
    event_type: ClassVar[str] = "case.contact_logged"
    contacted_on: Day
    medium: Annotated[ContactMedium, CODE]
    duration_minutes: Count
    participants: Participants


class MediationOpened(MediationEvent):
    event_type: ClassVar[str] = "mediation.opened"
    opened_on: Day
    pillar: Annotated[Pillar, CODE]
    office: Code
    referral_source: Annotated[ReferralSource, CODE]
    is_group: Flag
    participant_count: OptionalCount = None
    issue_codes: Codes
    from_case: Flag


class MediationAgreementRecorded(MediationEvent):
    event_type: ClassVar[str] = "mediation.agreement_recorded"
    recorded_on: Day
    parties_agreed: Count
    parties_total: Count


class MediationPartyDeclined(MediationEvent):
    event_type: ClassVar[str] = "mediation.party_declined"
    declined_on: Day


class MediationStarted(MediationEvent):
    event_type: ClassVar[str] = "mediation.started"
    started_on: Day


class MediationSessionHeld(MediationEvent):
    event_type: ClassVar[str] = "mediation.session_held"
    held_on: Day
    mode: Annotated[SessionMode, CODE]


class MediationExtensionGranted(MediationEvent):
    event_type: ClassVar[str] = "mediation.extension_granted"
    granted_on: Day
    days: OptionalCount


class MediationClosed(MediationEvent):
    event_type: ClassVar[str] = "mediation.closed"
    closed_on: Day
    outcome: Annotated[Outcome, CODE]
    days_open: Annotated[int | None, duration("closed_on")] = None
    days_since_start: Annotated[int | None, duration("closed_on")] = None  # None: never started


class MediationContactLogged(MediationEvent):
    event_type: ClassVar[str] = "mediation.contact_logged"
    contacted_on: Day
    medium: Annotated[ContactMedium, CODE]
    duration_minutes: Count
    participants: Participants


class StatusAtYear(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int
    status: SystemicIssueStatus


class SystemicIssuePublished(Event):
    """The register entry as the chief approved it for the annual report: the one event
    that carries text (about a pattern, never about a case)."""

    event_type: ClassVar[str] = "systemic_issue.published"
    aggregate: ClassVar[str] = "entry_id"
    entry_id: EntryId
    published_on: Day
    title: Annotated[str, text(200)]
    observation: Annotated[str, text(4000)]
    category: Code
    offices: Codes
    pillars: Annotated[list[Pillar], CODES]
    first_reported_year: Annotated[int, YEAR]
    recommendation: Annotated[str, text(4000)]
    management_response: Annotated[str, text(4000)]
    status_by_year: Annotated[list[StatusAtYear], STATUSES]


class SystemicIssueWithdrawn(Event):
    event_type: ClassVar[str] = "systemic_issue.withdrawn"
    aggregate: ClassVar[str] = "entry_id"
    entry_id: EntryId
    withdrawn_on: Day


EVENTS: Mapping[str, type[Event]] = {
    model.event_type: model
    for model in (
        CaseOpened,
        CaseIssueRecorded,
        CaseServiceGiven,
        CaseStatusChanged,
        CaseClosed,
        CaseSystemicIssueTagged,
        CaseReferralMade,
        CaseContactLogged,
        MediationOpened,
        MediationAgreementRecorded,
        MediationPartyDeclined,
        MediationStarted,
        MediationSessionHeld,
        MediationExtensionGranted,
        MediationClosed,
        MediationContactLogged,
        SystemicIssuePublished,
        SystemicIssueWithdrawn,
    )
}


# Webhook events (docs/webhooks.md), hosted by mediation: its own (certificates,
# deadlines) and those intake and cases relay to it. They never reach the gateway's
# projection nor analytics, so their fields carry no allow-list decision; mediation's
# ingress validates a relayed event with its model.
_UUID = Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
_OFFICE_CODE = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
# As receivers have always read them: `isoformat()`, "+00:00" rather than "Z".
_Instant = Annotated[dt.datetime, PlainSerializer(dt.datetime.isoformat, when_used="json")]


class WebhookEvent(Event):
    producer: ClassVar[str]  # the only service that may raise it
    scope: ClassVar[str]  # who hears of it: an office's desk or a tribunal's registry


class _OfficeEvent(WebhookEvent):
    scope: ClassVar[str] = "office"


class _TribunalEvent(WebhookEvent):
    scope: ClassVar[str] = "tribunal"
    producer: ClassVar[str] = "mediation"
    aggregate: ClassVar[str] = "certificate_id"
    certificate_id: str
    tribunal: str


class RelayedEvent(_OfficeEvent):
    """Raised by intake or cases, relayed to mediation through their webhook outboxes."""

    office: _OFFICE_CODE


class RequestReceived(RelayedEvent):
    """A request arrived in the office's queue: never from whom, nor what it says."""

    event_type: ClassVar[str] = "request.received"
    producer: ClassVar[str] = "intake"
    aggregate: ClassVar[str] = "request_reference"
    request_reference: Annotated[str, StringConstraints(pattern=r"^OMB-[A-Z0-9]{4}-[A-Z0-9]{4}$")]
    received_on: dt.date


class CaseAssigned(RelayedEvent):
    """A case of the office was assigned: never to whom (a staff identity)."""

    event_type: ClassVar[str] = "case.assigned"
    producer: ClassVar[str] = "cases"
    aggregate: ClassVar[str] = "case_id"
    case_id: _UUID
    assigned_on: dt.date


class _DeadlineEvent(_OfficeEvent):
    producer: ClassVar[str] = "mediation"
    aggregate: ClassVar[str] = "mediation_id"
    mediation_id: str
    clock_id: str
    clock_kind: str
    due_on: dt.date


class DeadlineApproaching(_DeadlineEvent):
    event_type: ClassVar[str] = "deadline.approaching"


class DeadlinePassed(_DeadlineEvent):
    event_type: ClassVar[str] = "deadline.passed"


class CertificateIssued(_TribunalEvent):
    event_type: ClassVar[str] = "certificate.issued"
    tribunal_case_number: str
    start_date: dt.date | None
    end_date: dt.date | None  # None: ongoing
    issued_at: _Instant


class CertificateRevoked(_TribunalEvent):
    event_type: ClassVar[str] = "certificate.revoked"
    revoked_at: _Instant
    revocation_reason: str
    superseded_by: str | None = None  # a re-issue replaced it


WEBHOOK_EVENTS: Mapping[str, type[WebhookEvent]] = {
    model.event_type: model
    for model in (
        RequestReceived,
        CaseAssigned,
        DeadlineApproaching,
        DeadlinePassed,
        CertificateIssued,
        CertificateRevoked,
    )
}


def _decision_of(model: type[BaseModel], name: str) -> Decision:
    found = [m for m in model.model_fields[name].metadata if isinstance(m, Decision)]
    if len(found) != 1:
        raise Undecided(
            f"{model.__name__}.{name} needs exactly one allow-list decision "
            f"(ombuds_shared.events.Decision), found {len(found)}"
        )
    decision = found[0]
    if decision.name is None:
        projected = name.removesuffix("_on") + "_month" if decision.shape is Shape.MONTH else name
        decision = Decision(decision.shape, projected, decision.kind, decision.limit, decision.ends)
    if decision.shape is Shape.MONTH and not name.endswith("_on"):
        raise Undecided(f"{model.__name__}.{name}: a date field is named X_on")
    return decision


def decisions(model: type[BaseModel]) -> dict[str, Decision]:
    """Every field of the event and how it passes; raises Undecided if one has no decision."""
    return {name: _decision_of(model, name) for name in model.model_fields}


def projected_fields(model: type[BaseModel]) -> frozenset[str]:
    """The payload fields analytics receives for this event."""
    return frozenset(
        d.name for d in decisions(model).values() if d.shape is not Shape.DROPPED and d.name
    )


def _enum_in(annotation: Any) -> type[StrEnum] | None:
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return annotation
    for arg in get_args(annotation):
        found = _enum_in(arg)
        if found is not None:
            return found
    return None


def projected_vocabularies(model: type[BaseModel]) -> dict[str, type[StrEnum]]:
    """Projected field -> the vocabulary (enum) its codes come from, where the event names
    one: analytics validates those fields with the same enum."""
    found = {}
    for source, decision in decisions(model).items():
        enum = _enum_in(model.model_fields[source].annotation)
        if enum is not None and decision.shape is not Shape.DROPPED and decision.name:
            found[decision.name] = enum
    return found


__all__ = [
    "EVENTS",
    "WEBHOOK_EVENTS",
    "CaseAssigned",
    "CaseClosed",
    "CaseContactLogged",
    "CaseEvent",
    "CaseIssueRecorded",
    "CaseOpened",
    "CaseReferralMade",
    "CaseServiceGiven",
    "CaseStatusChanged",
    "CaseSystemicIssueTagged",
    "CertificateIssued",
    "CertificateRevoked",
    "DeadlineApproaching",
    "DeadlinePassed",
    "Decision",
    "Event",
    "MediationAgreementRecorded",
    "MediationClosed",
    "MediationContactLogged",
    "MediationEvent",
    "MediationExtensionGranted",
    "MediationOpened",
    "MediationPartyDeclined",
    "MediationSessionHeld",
    "MediationStarted",
    "RelayedEvent",
    "RequestReceived",
    "Shape",
    "StatusAtYear",
    "SystemicIssuePublished",
    "SystemicIssueWithdrawn",
    "Undecided",
    "WebhookEvent",
    "decisions",
    "emit_event",
    "event_row_of",
    "projected_fields",
    "projected_vocabularies",
]
