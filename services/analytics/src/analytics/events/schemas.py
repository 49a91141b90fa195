"""What analytics accepts: the projected events, each under a strict schema.

Unknown fields are errors; no field holds free text about a case: codes come
from fixed vocabularies or a narrow code pattern, dates are months, ids are
pseudonyms. The one text analytics takes is a systemic-issue register entry the
chief approved for the annual report: the office's own words about a pattern,
never about a case (docs/cases.md, "The systemic-issue register").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
)

from ombuds_shared.contact import MAX_CONTACT_MINUTES, ContactMedium, ContactParticipant
from ombuds_shared.durations import class_start
from ombuds_shared.events import EVENTS, projected_fields, projected_vocabularies
from ombuds_shared.reference import Location, OccupationalGroup, Pillar
from ombuds_shared.taxonomy import (
    CATEGORIES,
    SUBCATEGORIES,
    SYSTEMIC_ISSUES,
    SystemicIssueStatus,
)
from ombuds_shared.vocabulary import (
    CaseStatus,
    ClosureReason,
    FormalChannel,
    Outcome,
    ReferralSource,
    ServiceKind,
    SessionMode,
)

Pseudonym = Annotated[str, StringConstraints(pattern=r"^[a-z2-7]{32}$")]
Month = Annotated[str, StringConstraints(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Count = Annotated[StrictInt, Field(ge=0, le=100_000)]


def _a_class(days: int) -> int:
    if class_start(days) != days:
        raise ValueError("a duration arrives as the first day of its class (docs/events.md)")
    return days


# A closing duration as the gateway sends it: exact days would pin a case to its days.
Duration = Annotated[Count, AfterValidator(_a_class)]
Minutes = Annotated[StrictInt, Field(ge=0, le=MAX_CONTACT_MINUTES)]


# A mediation's outcome in the facts until it closes with one of `Outcome`.
STILL_OPEN = "open"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _issue_code(value: str) -> str:
    if value not in SUBCATEGORIES:
        raise ValueError("not a code of the issue taxonomy")
    return value


class CaseOpened(Strict):
    case_key: Pseudonym
    opened_month: Month
    pillar: Pillar
    office: Code
    location: Location
    occupational_group: OccupationalGroup
    intake_channel: Code
    is_group: StrictBool
    participant_count: Count | None = None


class CaseIssueRecorded(Strict):
    case_key: Pseudonym
    issue_code: str
    category: str
    taxonomy_version: Code
    recorded_month: Month

    _code = field_validator("issue_code")(_issue_code)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError("not a major category of the issue taxonomy")
        return value


class CaseServiceGiven(Strict):
    case_key: Pseudonym
    service: ServiceKind
    given_month: Month


class CaseStatusChanged(Strict):
    case_key: Pseudonym
    status: CaseStatus
    changed_month: Month


class CaseClosed(Strict):
    case_key: Pseudonym
    closed_month: Month
    closure_reason: ClosureReason
    # Absent from events sent before the contact log: such a case has no time to resolution.
    days_open: Duration | None = None


class CaseSystemicIssueTagged(Strict):
    case_key: Pseudonym
    systemic_issue: str
    tagged_month: Month

    @field_validator("systemic_issue")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SYSTEMIC_ISSUES:
            raise ValueError("not an issue of the systemic-issue register")
        return value


class CaseReferralMade(Strict):
    case_key: Pseudonym
    formal_channel: FormalChannel
    referred_month: Month


class ContactLogged(Strict):
    contacted_month: Month
    medium: ContactMedium
    duration_minutes: Minutes
    participants: list[ContactParticipant] = Field(min_length=1, max_length=len(ContactParticipant))


class CaseContactLogged(ContactLogged):
    case_key: Pseudonym


class MediationContactLogged(ContactLogged):
    mediation_key: Pseudonym


class MediationOpened(Strict):
    mediation_key: Pseudonym
    opened_month: Month
    pillar: Pillar
    office: Code
    referral_source: ReferralSource
    is_group: StrictBool
    participant_count: Count | None = None
    issue_codes: list[str] = Field(default_factory=list, max_length=50)
    from_case: StrictBool

    @field_validator("issue_codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        return [_issue_code(code) for code in value]


class MediationAgreementRecorded(Strict):
    mediation_key: Pseudonym
    recorded_month: Month
    parties_agreed: Count
    parties_total: Count


class MediationPartyDeclined(Strict):
    mediation_key: Pseudonym
    declined_month: Month


class MediationStarted(Strict):
    mediation_key: Pseudonym
    started_month: Month


class MediationSessionHeld(Strict):
    mediation_key: Pseudonym
    held_month: Month
    mode: SessionMode


class MediationExtensionGranted(Strict):
    mediation_key: Pseudonym
    granted_month: Month
    days: Count


class MediationClosed(Strict):
    mediation_key: Pseudonym
    closed_month: Month
    outcome: Outcome
    days_open: Duration | None = None
    days_since_start: Duration | None = None  # None: it closed without starting


Year = Annotated[StrictInt, Field(ge=1990, le=2100)]
RegisterText = Annotated[str, StringConstraints(max_length=4000)]


class StatusAtYear(Strict):
    year: Year
    status: SystemicIssueStatus


class SystemicIssuePublished(Strict):
    """A register entry as the chief approved it for the annual report."""

    entry_key: Pseudonym
    published_month: Month
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    observation: RegisterText
    category: str
    offices: list[Code] = Field(max_length=20)
    pillars: list[Pillar] = Field(max_length=3)
    first_reported_year: Year
    recommendation: RegisterText
    management_response: RegisterText
    status_by_year: list[StatusAtYear] = Field(min_length=1, max_length=100)

    @field_validator("category")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SYSTEMIC_ISSUES:
            raise ValueError("not an issue of the systemic-issue register")
        return value


class SystemicIssueWithdrawn(Strict):
    entry_key: Pseudonym
    withdrawn_month: Month


_SCHEMAS: tuple[type[Strict], ...] = (
    CaseOpened, CaseIssueRecorded, CaseServiceGiven, CaseStatusChanged, CaseClosed,
    CaseSystemicIssueTagged, CaseReferralMade, CaseContactLogged, MediationOpened,
    MediationAgreementRecorded, MediationPartyDeclined, MediationStarted, MediationSessionHeld,
    MediationExtensionGranted, MediationClosed, MediationContactLogged, SystemicIssuePublished,
    SystemicIssueWithdrawn,
)  # fmt: skip


def _names(annotation: Any, enum: type) -> bool:
    return annotation is enum or any(_names(arg, enum) for arg in get_args(annotation))


def _payloads() -> dict[str, type[Strict]]:
    """Each event of ombuds_shared.events, with the schema of what the gateway's projection
    of it holds: named as the producer's model, its fields exactly the projected ones, so
    an event or a field added there and not here fails at import, not in production."""
    by_name = {schema.__name__: schema for schema in _SCHEMAS}
    payloads = {}
    for event_type, event in EVENTS.items():
        schema = by_name.pop(event.__name__, None)
        if schema is None:
            raise TypeError(f"analytics has no schema for {event_type}")
        expected, have = projected_fields(event), frozenset(schema.model_fields)
        for name, enum in projected_vocabularies(event).items():
            if name in have and not _names(schema.model_fields[name].annotation, enum):
                raise TypeError(f"{schema.__name__}.{name} must take {enum.__name__}")
        if expected != have:
            raise TypeError(
                f"{schema.__name__} holds {sorted(have)}, the projection {sorted(expected)}"
            )
        payloads[event_type] = schema
    if by_name:
        raise TypeError(f"schemas for no event: {sorted(by_name)}")
    return payloads


PAYLOADS: dict[str, type[Strict]] = _payloads()


class IncomingEvent(Strict):
    """One projected event: a pseudonymous id, a known type, and its payload."""

    event_id: Pseudonym
    event_type: Literal[tuple(PAYLOADS)]  # type: ignore[valid-type]
    payload: dict[str, Any]


class IncomingBatch(Strict):
    # Items are checked one by one, so one bad event does not hold back the rest.
    events: list[dict[str, Any]] = Field(max_length=1000)


class IngestResult(BaseModel):
    event_id: str
    status: Literal["stored", "duplicate", "refused"]


class IngestResults(BaseModel):
    results: list[IngestResult]
