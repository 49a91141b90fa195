import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field

from intake.vault.schemas import VisitorIdentity
from ombuds_shared.pagination import Page
from ombuds_shared.reference import Location, OccupationalGroup, Pillar
from ombuds_shared.schemas import InputModel
from ombuds_shared.vocabulary import Channel, DeclineReason

INFORMALITY_NOTICE = (
    "The Office of the Ombudsman is an informal, confidential and off-the-record resource. "
    "Contacting it does not put the Organization on notice of a claim, complaint or grievance, "
    "and it does not stop or extend any deadline of a formal process. If you wish to give "
    "formal notice or request a management evaluation, use the formal channels; the Office "
    "can tell you where they are."
)


class WalkInChannel(StrEnum):
    """How the visitor reached the ombudsman who records them."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    EMAIL = "email"


class ReferringUnit(StrEnum):
    STAFF_LEGAL_ASSISTANCE = "staff_legal_assistance"
    MANAGEMENT_EVALUATION = "management_evaluation"
    ETHICS_OFFICE = "ethics_office"
    STAFF_COUNSELLING = "staff_counselling"
    MEDICAL_SERVICE = "medical_service"
    OTHER = "other"


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class IntakeCreate(InputModel):
    """A request for help. No attachments are taken, so no recording can arrive (P3)."""

    visitor: VisitorIdentity
    pillar: Pillar
    office: str = Field(
        max_length=40, description="Code of the receiving office.", examples=["new-york"]
    )
    location: Location
    occupational_group: OccupationalGroup
    consent_to_contact: bool = Field(
        False,
        description="The person has agreed to be contacted by the office. Required (true) when "
        "an HR portal or a referring office submits on someone's behalf.",
    )
    referring_unit: ReferringUnit | None = Field(
        None, description="Which office refers the person (referring offices only)."
    )


class IntakeAcknowledgement(BaseModel):
    """All a submitter learns: the reference, and that the office is informal (P8)."""

    reference: str = Field(examples=["OMB-7K3F-9Q2M"])
    status: RequestStatus
    submitted_at: dt.datetime
    notice: str = Field(examples=[INFORMALITY_NOTICE])


class IntakeRead(BaseModel):
    reference: str
    status: RequestStatus
    channel: Channel
    pillar: Pillar
    office: str
    location: Location
    occupational_group: OccupationalGroup
    consent_to_contact: bool
    referring_unit: ReferringUnit | None = None
    submitted_at: dt.datetime
    triaged_at: dt.datetime | None = None
    decline_reason: DeclineReason | None = None
    decline_note: str | None = None
    case_id: str | None = Field(
        None,
        description="The case an accepted request opened: shown to the office's chief and to "
        "the ombudsman who accepted it, no one else.",
    )
    visitor: VisitorIdentity | None = Field(
        None,
        description="Shown to the visitor themselves, and, in a read of one request still "
        "awaiting triage, to the receiving office's ombudsmen who declared no conflict with "
        "it (each such read is audited). Never in a list to the office, never after triage "
        "(the handler reads it through the case), and null once destroyed.",
    )


IntakePage = Page[IntakeRead]


class DeclineBody(InputModel):
    reason: DeclineReason
    note: str | None = Field(None, max_length=2000, description="Explanation for the visitor.")


class WalkInCreate(IntakeCreate):
    """A visitor an ombudsman records on their behalf: walk-in, phone call or e-mail."""

    office: str | None = Field(  # type: ignore[assignment]
        None,
        max_length=40,
        description="Code of the receiving office: yours (the default), no other.",
        examples=["geneva"],
    )
    channel: WalkInChannel
    consent_to_contact: bool = Field(
        True, description="The visitor agreed to be contacted by the office (they asked for help)."
    )
    accept: bool = Field(
        False, description="Accept the request in the same step: the case is opened at once."
    )


class ConflictCreate(InputModel):
    """Your declaration that you have a conflict of interest with this request (P10).

    It cannot be withdrawn: you will not see the visitor's identity nor triage the
    request, and the conflict follows the request into its case."""

    has_conflict: bool = Field(description="Must be true: only a conflict is declared here.")


class ConflictRead(BaseModel):
    reference: str
    ombudsman: str
    declared_at: dt.datetime


class TriageResult(BaseModel):
    reference: str
    status: RequestStatus
    case_id: str | None = None
