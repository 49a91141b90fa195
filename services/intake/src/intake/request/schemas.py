import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from intake.vault.schemas import VisitorIdentity
from ombuds_shared.i18n import N_, Direction
from ombuds_shared.pagination import Page
from ombuds_shared.reference import Location, OccupationalGroup, Pillar
from ombuds_shared.schemas import InputModel
from ombuds_shared.vocabulary import Channel, DeclineReason

INFORMALITY_NOTICE = N_(
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
    # The visitor took it back before triage; its identity was destroyed at once.
    WITHDRAWN = "withdrawn"


class IntakeCreate(InputModel):
    """A request for help. No attachments are taken, so no recording can arrive (P3).

    A visitor may consult anonymously: no `visitor` (or `anonymous: true`). The answer
    then carries a receipt code, shown once, which is their only way back to the request."""

    visitor: VisitorIdentity | None = Field(
        None, description="Who asks for help; omit it (or send anonymous: true) to stay anonymous."
    )
    anonymous: bool = Field(
        False,
        description="Consult without giving any identity: the answer carries a receipt code "
        "(shown once) with which to follow the request. Visitors and walk-ins only.",
    )
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

    @model_validator(mode="after")
    def _identity_or_anonymous(self) -> "IntakeCreate":
        if self.anonymous and self.visitor is not None:
            raise ValueError("an anonymous request carries no visitor identity")
        self.anonymous = self.visitor is None
        return self


class IntakeAcknowledgement(BaseModel):
    """All a submitter learns: the reference, and that the office is informal (P8)."""

    reference: str = Field(examples=["OMB-7K3F-9Q2M"])
    status: RequestStatus
    submitted_at: dt.datetime
    notice: str = Field(
        examples=[INFORMALITY_NOTICE],
        description="The informality notice to show the submitter, in `notice_language`.",
    )
    notice_language: str = Field(
        "en",
        examples=["fr"],
        description="The notice's language, negotiated from Accept-Language (also said by "
        "Content-Language): en, fr, es, ar, zh or ru.",
    )
    notice_direction: Direction = Field(
        "ltr", description="Which way the notice is written: `rtl` for Arabic, else `ltr`."
    )
    receipt_code: str | None = Field(
        None,
        description="An anonymous request's receipt code, shown this once and never again "
        "(Ombuds keeps only a keyed hash of it): the holder's only way to read the status, "
        "exchange messages and add contact details. Null for a request with an identity.",
        examples=["7K3F-9Q2M-D4XA-PW1C-ZB6R-T8NE"],
    )


class IntakeRead(BaseModel):
    reference: str
    status: RequestStatus
    channel: Channel
    pillar: Pillar
    office: str
    location: Location
    occupational_group: OccupationalGroup
    consent_to_contact: bool
    anonymous: bool = Field(False, description="No identity was given (a receipt code holder).")
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
    case_status: str | None = Field(
        None,
        description="The status of the case the request opened (opened, in_progress, on_hold, "
        "closed): in the visitor's own read of one accepted request only.",
    )
    messages_waiting: int | None = Field(
        None,
        description="How many messages from the handler the visitor has not read yet: in the "
        "visitor's own read of one accepted request only. Never their content: that is in "
        "GET /v1/intake/requests/{reference}/messages.",
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
    receipt_code: str | None = Field(
        None,
        description="An anonymous walk-in's receipt code, shown this once: hand it to the "
        "visitor; it is their only way back to the request.",
    )
