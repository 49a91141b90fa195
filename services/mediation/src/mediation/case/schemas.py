import datetime as dt
import zoneinfo
from enum import StrEnum
from functools import cache
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from ombuds_shared.pagination import Page
from ombuds_shared.reference import Pillar, Tribunal
from ombuds_shared.schemas import InputModel
from ombuds_shared.vocabulary import (
    TRIBUNAL_REFERRAL_SOURCES,
    ContactChannel,
    Outcome,
    ReferralSource,
    SessionMode,
)


class MediationStatus(StrEnum):
    REFERRED = "referred"
    AGREEMENT_PENDING = "agreement_pending"
    IN_MEDIATION = "in_mediation"
    CLOSED = "closed"


class MediationOrder(StrEnum):
    """The order of a list of mediations, by the time they were opened."""

    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"


class Agreement(StrEnum):
    PENDING = "pending"
    AGREED = "agreed"
    DECLINED = "declined"


class StartBasis(StrEnum):
    FIRST_SESSION = "first_session"
    SIGNED_AGREEMENT = "signed_agreement"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class SessionChangeKind(StrEnum):
    RECORDED = "recorded"  # recorded as held after the fact
    PLANNED = "planned"
    RESCHEDULED = "rescheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class SessionChangeReason(StrEnum):
    """Why a planned session moved or was called off: codes, never free text."""

    PARTY_UNAVAILABLE = "party_unavailable"
    PARTY_REQUEST = "party_request"
    MEDIATOR_UNAVAILABLE = "mediator_unavailable"
    VENUE_UNAVAILABLE = "venue_unavailable"
    SCHEDULING_CONFLICT = "scheduling_conflict"
    RESOLVED_BEFORE_SESSION = "resolved_before_session"
    MEDIATION_CLOSED = "mediation_closed"  # set by the system when the mediation closes
    OTHER = "other"


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _iana_zone(name: str) -> str:
    # Only names of the IANA database: never a path, never a bare offset.
    if name not in _time_zones():
        raise ValueError("not an IANA time zone name, e.g. Europe/Zurich")
    return name


TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_iana_zone)]
# A place (a room, a building, a video-call service), never a party's name; no calendar
# carries it unless the mediator says so.
Venue = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
_MAX_SESSION = dt.timedelta(hours=12)
# Planned sessions within this horizon: a diary, not a far-future calendar.
PLANNING_HORIZON = dt.timedelta(days=730)


# Opaque references only: letters, digits and a few separators, never a name or an email.
PartyReference = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", max_length=64)
]
TribunalCaseNumber = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,59}$", max_length=60)
]
IssueCodeText = Annotated[str, StringConstraints(pattern=r"^[1-9](\.[a-z])?$")]
CaseId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]


class TribunalReference(InputModel):
    tribunal: Tribunal
    case_number: TribunalCaseNumber = Field(examples=["UNDT/NY/2026/014"])
    referral_date: dt.date
    deadline: dt.date | None = Field(None, description="The tribunal's own deadline, if set.")


# The vault's own references: a label chosen by a client may not pass for one.
VAULT_REFERENCE_PREFIX = "pty_"


class PartyIdentityCreate(InputModel):
    """Who the party is, their role, and how to reach them: sealed in intake's vault, never
    stored by the mediation service."""

    name: str = Field(min_length=1, max_length=200, examples=["Rosa Martens"])
    role: str = Field(
        min_length=1,
        max_length=200,
        description="The party's role, e.g. applicant, or the administration's representative.",
        examples=["Representative of the administration (Human Resources)"],
    )
    email: str | None = Field(
        None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$", examples=["rosa.martens@example.org"]
    )
    phone: str | None = Field(None, max_length=40, pattern=r"^[+0-9 ()./-]{5,40}$")
    preferred_contact: ContactChannel = ContactChannel.EMAIL

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.email is None and self.phone is None:
            raise ValueError("give an email or a phone number so the mediator can reach the party")
        if self.preferred_contact == ContactChannel.PHONE and self.phone is None:
            raise ValueError("preferred_contact is phone but no phone number was given")
        return self


class PartyCreate(InputModel):
    reference: PartyReference | None = Field(
        None,
        description="An opaque label for a party whose identity is not recorded (never a "
        "name). Omitted when `identity` is given: the vault's reference is used.",
        examples=["P-7Q2K"],
    )
    identity: PartyIdentityCreate | None = Field(
        None,
        description="The party's identity, sealed in intake's vault and bound to this "
        "mediation; readable by its assigned mediator only.",
    )
    represents_administration: bool = False

    @model_validator(mode="after")
    def _a_label_or_an_identity(self) -> Self:
        if (self.reference is None) == (self.identity is None):
            raise ValueError("give either an identity or an opaque reference, not both")
        if self.reference is not None and self.reference.startswith(VAULT_REFERENCE_PREFIX):
            raise ValueError(f"references starting with {VAULT_REFERENCE_PREFIX!r} are the vault's")
        return self


class MediationCreate(InputModel):
    pillar: Pillar
    office: str = Field("mediation-service", max_length=40)
    referral_source: ReferralSource
    tribunal_reference: TribunalReference | None = None
    source_case_id: CaseId | None = Field(None, description="The ombudsman case it came from.")
    issue_codes: list[IssueCodeText] = Field(default_factory=list, max_length=20)
    is_group: bool = False
    participant_count: int = Field(2, ge=2, le=10_000)
    parties: list[PartyCreate] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _tribunal_referrals_name_their_case(self) -> Self:
        from_tribunal = self.referral_source in TRIBUNAL_REFERRAL_SOURCES
        if from_tribunal and self.tribunal_reference is None:
            raise ValueError("a tribunal referral needs its tribunal_reference")
        if any(p.identity is not None for p in self.parties):
            raise ValueError(
                "parties with an identity are added to the opened mediation, one by one "
                "(POST /v1/mediations/{mediation_id}/parties)"
            )
        if len({p.reference for p in self.parties}) != len(self.parties):
            raise ValueError("each party reference may appear once")
        return self


class MediationFromCase(InputModel):
    """What the cases service sends when an ombudsman case goes to mediation."""

    source_case_id: CaseId
    pillar: Pillar
    office: str = Field(max_length=40)
    issue_codes: list[IssueCodeText] = Field(default_factory=list, max_length=20)
    is_group: bool = False
    participant_count: int = Field(2, ge=1, le=10_000)
    referral_source: ReferralSource = ReferralSource.OMBUDSMAN


class PartyRead(BaseModel):
    id: str
    reference: str
    represents_administration: bool
    has_identity: bool = Field(
        description="The party's identity is sealed in the vault (its mediator reads it at "
        "GET /v1/mediations/{mediation_id}/parties)."
    )
    agreement: Agreement
    responded_on: dt.date | None = None


class PartyIdentityRead(BaseModel):
    name: str
    role: str
    email: str | None = None
    phone: str | None = None
    preferred_contact: ContactChannel


class IdentityStatus(StrEnum):
    NOT_RECORDED = "not_recorded"  # an opaque reference only
    REVEALED = "revealed"
    DESTROYED = "destroyed"  # crypto-shredded under retention


class PartyWithIdentity(PartyRead):
    identity: PartyIdentityRead | None = None
    identity_status: IdentityStatus


class PartyDirectory(BaseModel):
    """The parties of a mediation with their identities, for its assigned mediator."""

    items: list[PartyWithIdentity]


class SessionRead(BaseModel):
    """A session as the mediation's office sees it: when and how, no venue."""

    id: str
    held_on: dt.date = Field(description="The session's day (its local date when planned).")
    mode: SessionMode
    status: SessionStatus = SessionStatus.HELD
    starts_at: dt.datetime | None = Field(None, description="UTC; planned sessions only.")
    ends_at: dt.datetime | None = Field(None, description="UTC; planned sessions only.")
    time_zone: str | None = Field(None, description="The IANA zone it was planned in.")


class SessionChangeRead(BaseModel):
    change: SessionChangeKind
    reason: SessionChangeReason | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    time_zone: str | None = None
    mode: SessionMode
    changed_by: str
    changed_at: dt.datetime


class SessionDetail(SessionRead):
    """A session with its history; the venue for the assigned mediator only."""

    venue: str | None = Field(None, description="The assigned mediator's only.")
    venue_in_calendar: bool = False
    changes: list[SessionChangeRead] = []


class ScheduleConflict(BaseModel):
    """Another planned session of the same mediator that overlaps this one."""

    session_id: str
    mediation_id: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class SessionScheduled(SessionDetail):
    """The session as planned or moved, with the mediator's overlapping sessions (warnings,
    not refusals: the mediator decides)."""

    warnings: list[ScheduleConflict] = []


class SessionList(BaseModel):
    items: list[SessionDetail]


class ScheduleEntry(BaseModel):
    """One planned session in an office's schedule: times and mode, no venue, no content."""

    session_id: str
    mediation_id: str
    mediator: str | None = None
    status: SessionStatus
    mode: SessionMode
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str


class Schedule(BaseModel):
    items: list[ScheduleEntry]


class TribunalReferenceRead(BaseModel):
    tribunal: Tribunal
    case_number: str
    referral_date: dt.date | None = None
    deadline: dt.date | None = None


class SettlementRead(BaseModel):
    signed_on: dt.date
    implementation_deadline: dt.date | None = None


class MediationRead(BaseModel):
    id: str
    pillar: Pillar
    office: str
    referral_source: ReferralSource
    tribunal_reference: TribunalReferenceRead | None = None
    source_case_id: str | None = None
    issue_codes: list[str]
    is_group: bool
    participant_count: int
    status: MediationStatus
    accepted_on: dt.date | None = Field(None, description="When the referral was accepted.")
    outcome: Outcome | None = None
    start_basis: StartBasis | None = None
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    settlement: SettlementRead | None = None
    mediator: str | None = None
    parties: list[PartyRead]
    all_parties_agreed: bool
    sessions: list[SessionRead]
    opened_at: dt.datetime
    closed_at: dt.datetime | None = None


MediationPage = Page[MediationRead]


class MediationClosed(MediationRead):
    """The mediation as closed, with a one-time exit-survey token per party for the mediator
    to hand over; the tokens name neither the mediation nor the parties."""

    exit_survey_tokens: list[str] = []


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class ReferralAcceptance(InputModel):
    accepted_on: dt.date = Field(
        default_factory=_utc_today,
        description="The day the office accepted the referral (default today); not in the "
        "future, not before the referral's date (or the mediation's opening). The tribunal's "
        "suspension runs from it.",
    )


class AgreementRecord(InputModel):
    agrees: bool = Field(description="true: the party agrees to mediate; false: declines.")
    on: dt.date


class StartBody(InputModel):
    started_on: dt.date
    basis: StartBasis = Field(
        description="What marks the start: the first session, or the signed agreement to mediate."
    )
    mode: SessionMode | None = Field(None, description="The first session's mode (first_session).")

    @model_validator(mode="after")
    def _first_session_has_a_mode(self) -> Self:
        if self.basis is StartBasis.FIRST_SESSION and self.mode is None:
            raise ValueError("a start by first session needs the session's mode")
        return self


class SessionTime(InputModel):
    """When a planned session runs: a local wall time in an IANA zone, for a duration or
    until an end time (the same day's local time)."""

    starts_at: dt.datetime | None = Field(
        None,
        description="Local wall time, without offset (the time zone says where).",
        examples=["2027-03-04T09:30:00"],
    )
    time_zone: TimeZoneName | None = Field(None, examples=["Europe/Zurich"])
    duration_minutes: int | None = Field(None, ge=15, le=720)
    ends_at: dt.datetime | None = Field(None, description="Local wall time, without offset.")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _wall_time(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("give the local wall time without an offset; time_zone says where")
        return value

    def planned_window(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The UTC start and end, if this is a planned time (validated already)."""
        if self.starts_at is None or self.time_zone is None:
            return None
        zone = zoneinfo.ZoneInfo(self.time_zone)
        start = self.starts_at.replace(tzinfo=zone).astimezone(dt.UTC)
        if self.ends_at is not None:
            end = self.ends_at.replace(tzinfo=zone).astimezone(dt.UTC)
        else:
            assert self.duration_minutes is not None
            end = start + dt.timedelta(minutes=self.duration_minutes)
        return start, end

    def _check_time(self) -> None:
        if self.starts_at is None:
            if self.time_zone or self.duration_minutes or self.ends_at:
                raise ValueError("a time zone, duration or end belongs to a planned starts_at")
            return
        if self.time_zone is None:
            raise ValueError("a planned session needs its time_zone (IANA name)")
        if (self.duration_minutes is None) == (self.ends_at is None):
            raise ValueError("give either duration_minutes or ends_at")
        window = self.planned_window()
        assert window is not None
        if not dt.timedelta(minutes=15) <= window[1] - window[0] <= _MAX_SESSION:
            raise ValueError("a session lasts from 15 minutes to 12 hours")


class SessionCreate(SessionTime):
    """A session held (`held_on`, recorded after the fact), or planned ahead (`starts_at`,
    `time_zone`, and `duration_minutes` or `ends_at`)."""

    held_on: dt.date | None = Field(None, description="A session already held, on this day.")
    mode: SessionMode
    venue: Venue | None = None
    venue_in_calendar: bool = Field(
        False, description="Whether calendars (.ics) carry the venue; by default they do not."
    )

    @model_validator(mode="after")
    def _held_or_planned(self) -> Self:
        if (self.held_on is None) == (self.starts_at is None):
            raise ValueError("give held_on (a session held) or starts_at (a session planned)")
        self._check_time()
        if self.held_on is not None and (self.venue is not None or self.venue_in_calendar):
            raise ValueError("a venue belongs to a planned session")
        return self


class SessionReschedule(SessionTime):
    reason: SessionChangeReason
    mode: SessionMode | None = None
    venue: Venue | None = Field(None, description="Omitted: the venue stays.")
    venue_in_calendar: bool | None = None

    @model_validator(mode="after")
    def _new_time(self) -> Self:
        if self.starts_at is None:
            raise ValueError("a rescheduled session needs its new starts_at")
        if self.reason is SessionChangeReason.MEDIATION_CLOSED:
            raise ValueError("mediation_closed is set by the system when the mediation closes")
        self._check_time()
        return self


class SessionCancel(InputModel):
    reason: SessionChangeReason

    @model_validator(mode="after")
    def _not_the_systems(self) -> Self:
        if self.reason is SessionChangeReason.MEDIATION_CLOSED:
            raise ValueError("mediation_closed is set by the system when the mediation closes")
        return self


class SessionHeld(InputModel):
    mode: SessionMode | None = Field(None, description="How it was held, if not as planned.")


class CloseBody(InputModel):
    outcome: Outcome
    closed_on: dt.date
    settlement_signed_on: dt.date | None = Field(
        None, description="Date the written settlement agreement was signed (settled only)."
    )
    implementation_deadline: dt.date | None = Field(
        None, description="The settlement's implementation deadline, if it sets one."
    )


class MediatorAssignment(InputModel):
    mediator: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="The mediator's subject; omitted: the caller takes the mediation."
    )


class ConflictDeclarationCreate(InputModel):
    has_conflict: bool = Field(description="true discloses a conflict and blocks assignment.")


class ConflictDeclarationRead(BaseModel):
    id: str
    mediator: str
    has_conflict: bool
    declared_at: dt.datetime
