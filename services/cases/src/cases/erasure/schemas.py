import datetime as dt

from pydantic import BaseModel, Field

from ombuds_shared.pagination import Page


class CaseErasureState(BaseModel):
    """Where a visitor's request for erasure stands: dates only."""

    requested_at: dt.datetime
    confirmed_at: dt.datetime | None = None


class CaseStatusStep(BaseModel):
    """One step of a case's status history as its visitor sees it: no reason, no author."""

    status: str
    changed_at: dt.datetime


class VisitorCaseView(BaseModel):
    """What the visitor may know of their case (the Standards keep the handler's notes,
    consents, coding and referrals privileged): statuses and dates."""

    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None = None
    status_history: list[CaseStatusStep]
    erasure: CaseErasureState | None = None


class ErasureRequestRead(BaseModel):
    """A visitor's request for erasure, as the handler and the chief see it: no identity."""

    case_id: str
    case_status: str
    assigned_to: str | None = None
    requested_at: dt.datetime
    confirmed_at: dt.datetime | None = None
    confirmed_by: str | None = None


ErasureRequestPage = Page[ErasureRequestRead]


class ErasureConfirmation(BaseModel):
    """What is left once a confirmed erasure has run: the de-identified facts."""

    case_id: str
    requested_at: dt.datetime
    confirmed_at: dt.datetime
    destroyed_at: dt.datetime
    identity_destroyed: bool = Field(
        description="Whether the visitor's identity went too (it stays while another of "
        "their cases keeps its content)."
    )
