import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ombuds_shared.pagination import Page
from ombuds_shared.reference import Location, OccupationalGroup, Pillar
from ombuds_shared.schemas import InputModel
from ombuds_shared.vocabulary import CaseStatus, ClosureReason

VISITOR_REF_PATTERN = r"^vis_[A-Za-z0-9]{1,60}$"


class CaseOrder(StrEnum):
    """The order of a list of cases, by the time they were opened."""

    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"


class CaseFromIntake(InputModel):
    """What intake passes when an ombudsman accepts a request: no identity."""

    intake_request_id: str = Field(max_length=36)
    visitor_ref: str = Field(max_length=64, pattern=VISITOR_REF_PATTERN)
    pillar: Pillar
    office: str = Field(max_length=40)
    location: Location
    occupational_group: OccupationalGroup
    channel: str = Field(max_length=40)
    conflicted: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Ombudsmen who declared a conflict with the request: they stay shut out.",
    )


class CaseCreate(InputModel):
    """A case with no visitor's identity, opened directly by your office (a group process,
    or a consultation nobody is named in). A visitor's case is opened by accepting their
    intake request (or recording them as a walk-in at intake): identities enter only there."""

    pillar: Pillar
    location: Location
    occupational_group: OccupationalGroup
    intake_channel: str = Field(max_length=40, pattern=r"^[a-z_]{1,40}$", examples=["in_person"])
    is_group: bool = False
    participant_count: int = Field(1, ge=1, le=10_000)

    @model_validator(mode="after")
    def _group_counts(self) -> "CaseCreate":
        if not self.is_group and self.participant_count != 1:
            raise ValueError("only a group case has more than one participant")
        return self


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    visitor_ref: str | None
    pillar: Pillar
    office: str
    location: Location
    occupational_group: OccupationalGroup
    intake_channel: str
    is_group: bool
    participant_count: int
    status: CaseStatus
    closure_reason: ClosureReason | None
    assigned_to: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    destroyed_at: dt.datetime | None


CasePage = Page[CaseRead]


class CaseStatusRead(CaseRead):
    """The case after a status change; on closure, a one-time exit-survey token for the
    visitor, which names neither the case nor them (analytics cannot link it back)."""

    exit_survey_token: str | None = None


class StatusChangeCreate(InputModel):
    status: CaseStatus
    closure_reason: ClosureReason | None = None

    @model_validator(mode="after")
    def _reason_only_on_closure(self) -> "StatusChangeCreate":
        if (self.status == CaseStatus.CLOSED) != (self.closure_reason is not None):
            raise ValueError("a closure reason is given when, and only when, closing")
        return self


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: CaseStatus
    closure_reason: ClosureReason | None
    changed_by: str
    changed_at: dt.datetime
