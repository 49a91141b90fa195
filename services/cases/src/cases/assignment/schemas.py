import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ombuds_shared.schemas import InputModel


class DeclarationCreate(InputModel):
    """Your own declaration, for this case, of a conflict of interest or of none (P10)."""

    has_conflict: bool


class ClearingReason(StrEnum):
    """Why the chief cleared a declared conflict (a code: no account of the people involved)."""

    DECLARED_IN_ERROR = "declared_in_error"
    CIRCUMSTANCES_CHANGED = "circumstances_changed"
    VISITOR_ASKED_FOR_THIS_OMBUDSMAN = "visitor_asked_for_this_ombudsman"


class ClearingCreate(InputModel):
    """The chief's clearing of a declared conflict; the ombudsman then declares anew."""

    reason: ClearingReason


class DeclarationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    ombudsman: str
    has_conflict: bool
    declared_at: dt.datetime
    cleared_at: dt.datetime | None = None
    cleared_by: str | None = None
    cleared_reason: ClearingReason | None = None


class AssignmentCreate(InputModel):
    """Whom to assign: the chief names an ombudsman; an ombudsman assigns themself."""

    assignee: str | None = Field(None, min_length=1, max_length=200)


class AssignmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    assignee: str
    assigned_by: str
    assigned_at: dt.datetime
    ended_at: dt.datetime | None


class AssignmentHistory(BaseModel):
    assigned_to: str | None
    assignments: list[AssignmentRead]
    declarations: list[DeclarationRead]
