"""Mediations as GraphQL types: parties, sessions, the deadline ledger, notes, certificates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.certificate import Certificate
from gateway.graphql.types.common import PillarEnum, from_rest
from gateway.graphql.types.contact import ContactLog


@strawberry.type(description="A party to a mediation, by opaque reference, and its agreement.")
class Party:
    id: strawberry.ID
    reference: str
    represents_administration: bool
    has_identity: bool = strawberry.field(
        description="Its identity is sealed in intake's vault (see Mediation.partyIdentities)."
    )
    agreement: str = strawberry.field(description="pending, agreed or declined.")
    responded_on: dt.date | None


@strawberry.type(description="Who a party is and how to reach them, from intake's vault.")
class PartyIdentity:
    name: str
    role: str
    email: str | None
    phone: str | None
    preferred_contact: str = strawberry.field(description="email, phone, video_call or in_person.")


@strawberry.type(description="A party with its identity (the assigned mediator only).")
class PartyWithIdentity(Party):
    identity: PartyIdentity | None
    identity_status: str = strawberry.field(
        description="not_recorded (an opaque reference only), revealed or destroyed."
    )

    @classmethod
    def of(cls, data: dict[str, Any]) -> PartyWithIdentity:
        identity = data.get("identity")
        return from_rest(
            cls, data, identity=from_rest(PartyIdentity, identity) if identity else None
        )


@strawberry.type(description="A session: when and how; no venue (see sessionDiary).")
class MediationSession:
    id: strawberry.ID
    held_on: dt.date = strawberry.field(description="Its day (the local date when planned).")
    mode: str = strawberry.field(description="in_person, remote, video or phone.")
    status: str = strawberry.field(description="planned, held or cancelled.")
    starts_at: dt.datetime | None = strawberry.field(description="UTC; planned sessions only.")
    ends_at: dt.datetime | None = strawberry.field(description="UTC; planned sessions only.")
    time_zone: str | None = strawberry.field(description="The IANA zone it was planned in.")


@strawberry.type(description="A step of a session's history: codes and times, no text.")
class SessionChange:
    change: str = strawberry.field(description="recorded, planned, rescheduled, held or cancelled.")
    reason: str | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    time_zone: str | None
    mode: str
    changed_by: str
    changed_at: dt.datetime


@strawberry.type(description="A session with its history; the venue for its mediator only.")
class MediationSessionDetail(MediationSession):
    venue: str | None = strawberry.field(description="The assigned mediator's only.")
    venue_in_calendar: bool = strawberry.field(description="Whether .ics files carry the venue.")
    changes: list[SessionChange]

    @classmethod
    def of(cls, data: dict[str, Any]) -> MediationSessionDetail:
        changes = [from_rest(SessionChange, c) for c in data.get("changes") or []]
        return from_rest(cls, {"venue_in_calendar": False, **data}, changes=changes)


@strawberry.type(description="Another planned session of the same mediator that overlaps.")
class ScheduleConflict:
    session_id: strawberry.ID
    mediation_id: strawberry.ID
    starts_at: dt.datetime
    ends_at: dt.datetime


@strawberry.type(description="A session as planned or moved, with the overlaps as warnings.")
class ScheduledSession(MediationSessionDetail):
    warnings: list[ScheduleConflict]

    @classmethod
    def of(cls, data: dict[str, Any]) -> ScheduledSession:
        changes = [from_rest(SessionChange, c) for c in data.get("changes") or []]
        warnings = [from_rest(ScheduleConflict, w) for w in data.get("warnings") or []]
        return from_rest(cls, data, changes=changes, warnings=warnings)


@strawberry.type(description="A session in a schedule: times, mode and mediator, no content.")
class ScheduleEntry:
    session_id: strawberry.ID
    mediation_id: strawberry.ID
    mediator: str | None
    status: str
    mode: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str


@strawberry.type
class TribunalReference:
    tribunal: str
    case_number: str
    referral_date: dt.date | None
    deadline: dt.date | None


@strawberry.type(description="The written settlement agreement of a settled mediation.")
class Settlement:
    signed_on: dt.date
    implementation_deadline: dt.date | None


@strawberry.type(description="One step of a clock: started, stopped, resumed, extended, ended.")
class ClockEntry:
    action: str
    on: dt.date = strawberry.field(name="date")
    reason: str
    days: int | None


@strawberry.type(description="A clock of the deadline ledger (suspension, filing period, ...).")
class DeadlineClock:
    id: strawberry.ID
    kind: str
    state: str = strawberry.field(description="running, stopped or ended.")
    started_on: dt.date
    period_days: int
    due_on: dt.date | None = strawberry.field(description="Null while the clock is stopped.")
    days_remaining: int | None = strawberry.field(description="Days left when it was stopped.")
    entries: list[ClockEntry]


@strawberry.type(description="A request to extend the tribunal's suspension, and its decision.")
class Extension:
    id: strawberry.ID
    requested_on: dt.date
    requested_days: int
    status: str = strawberry.field(description="requested, granted or refused.")
    decided_on: dt.date | None
    granted_days: int | None


@strawberry.type(description="Each clock of a mediation, when it started, stopped and resumed.")
class DeadlineLedger:
    clocks: list[DeadlineClock]
    extensions: list[Extension]

    @classmethod
    def of(cls, data: dict[str, Any]) -> DeadlineLedger:
        clocks = [
            from_rest(DeadlineClock, c, entries=[from_rest(ClockEntry, e) for e in c["entries"]])
            for c in data["clocks"]
        ]
        extensions = [from_rest(Extension, e) for e in data["extensions"]]
        return cls(clocks=clocks, extensions=extensions)


@strawberry.type(description="A confidential note; the assigned mediator's alone.")
class MediationNote:
    id: strawberry.ID
    author: str
    body: str | None = strawberry.field(description="Null once destroyed under retention.")
    written_at: dt.datetime


@strawberry.type(description="A mediator's declaration of a conflict of interest, or of none.")
class MediatorDeclaration:
    id: strawberry.ID
    mediator: str
    has_conflict: bool
    declared_at: dt.datetime


@strawberry.type(description="A mediation case of the Mediation Service; parties by reference.")
class Mediation:
    id: strawberry.ID
    pillar: PillarEnum
    office: str
    referral_source: str
    tribunal_reference: TribunalReference | None
    source_case_id: str | None = strawberry.field(description="The ombudsman case it came from.")
    issue_codes: list[str]
    is_group: bool
    participant_count: int
    status: str = strawberry.field(
        description="referred, agreement_pending, in_mediation or closed."
    )
    accepted_on: dt.date | None = strawberry.field(
        description="When the office accepted the referral (the suspension runs from it)."
    )
    outcome: str | None = strawberry.field(
        description="settled, not_settled, party_declined, resolved_before_mediation or withdrawn."
    )
    start_basis: str | None
    started_on: dt.date | None
    ended_on: dt.date | None
    settlement: Settlement | None
    mediator: str | None
    parties: list[Party]
    all_parties_agreed: bool
    sessions: list[MediationSession]
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    exit_survey_tokens: list[str] = strawberry.field(
        description="One-time exit-survey tokens, one per party: only in the answer to "
        "closeMediation, kept nowhere."
    )

    @classmethod
    def of(cls, data: dict[str, Any]) -> Mediation:
        tribunal = data.get("tribunal_reference")
        settlement = data.get("settlement")
        return from_rest(
            cls,
            data,
            tribunal_reference=from_rest(TribunalReference, tribunal) if tribunal else None,
            settlement=from_rest(Settlement, settlement) if settlement else None,
            parties=[from_rest(Party, p) for p in data["parties"]],
            sessions=[from_rest(MediationSession, s) for s in data["sessions"]],
            exit_survey_tokens=list(data.get("exit_survey_tokens") or []),
        )

    @resolvers.field(description="The deadline ledger: clocks and extensions.")
    @problems_as_errors
    async def ledger(self, info: GqlInfo) -> DeadlineLedger | None:
        return DeadlineLedger.of(await info.context.loaders.mediation_ledger.load(self.id))

    @resolvers.field(description="The contact log and the time on the mediation.")
    @problems_as_errors
    async def contacts(self, info: GqlInfo) -> ContactLog | None:
        return ContactLog.of(await info.context.loaders.mediation_contacts.load(self.id))

    @resolvers.field(description="Confidential notes (the assigned mediator only).")
    @problems_as_errors
    async def notes(self, info: GqlInfo) -> list[MediationNote] | None:
        page = await info.context.loaders.mediation_notes.load(self.id)
        return [from_rest(MediationNote, n) for n in page["items"]]

    @resolvers.field(
        description="The parties with their identities, from intake's vault (the assigned "
        "mediator only; each reveal is audited)."
    )
    @problems_as_errors
    async def party_identities(self, info: GqlInfo) -> list[PartyWithIdentity] | None:
        page = await info.context.loaders.mediation_parties.load(self.id)
        return [PartyWithIdentity.of(p) for p in page["items"]]

    @resolvers.field(
        description="Its sessions with their history (the venue for its mediator only)."
    )
    @problems_as_errors
    async def session_diary(self, info: GqlInfo) -> list[MediationSessionDetail] | None:
        page = await info.context.rest("GET", f"/v1/mediations/{self.id}/sessions")
        return [MediationSessionDetail.of(item) for item in page["items"]]

    @resolvers.field(description="The certificates issued for it, newest first.")
    @problems_as_errors
    async def certificates(self, info: GqlInfo) -> list[Certificate] | None:
        rows = await info.context.loaders.mediation_certificates.load(self.id)
        return [Certificate.of(c) for c in rows]


@strawberry.input
class PartyInput:
    reference: str = strawberry.field(description="An opaque reference (never a name).")
    represents_administration: bool = False


@strawberry.input(description="A party's identity, sealed in intake's vault.")
class PartyIdentityInput:
    name: str
    role: str
    email: str | None = None
    phone: str | None = None
    preferred_contact: str | None = strawberry.field(
        default=None, description="email (the default), phone, video_call or in_person."
    )


@strawberry.input
class TribunalReferenceInput:
    tribunal: str = strawberry.field(description='A code of `reference(vocabulary: "tribunals")`.')
    case_number: str
    referral_date: dt.date
    deadline: dt.date | None = None


@strawberry.input(description="A mediation opened on a referral; see POST /v1/mediations.")
class MediationInput:
    pillar: PillarEnum
    referral_source: str = strawberry.field(
        description='A code of `reference(vocabulary: "referral_sources")`: a tribunal '
        "(dispute_tribunal, appeals_tribunal, ilo_administrative_tribunal, "
        "world_bank_administrative_tribunal), management_evaluation_unit, "
        "staff_legal_assistance, ombudsman, administration, self_referral or other."
    )
    office: str | None = None
    tribunal_reference: TribunalReferenceInput | None = None
    source_case_id: str | None = None
    issue_codes: list[str] | None = None
    is_group: bool | None = None
    participant_count: int | None = None
    parties: list[PartyInput] | None = None
