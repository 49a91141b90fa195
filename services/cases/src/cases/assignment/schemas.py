import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from ombuds_shared.schemas import InputModel


class DeclarationCreate(InputModel):
    """Your own declaration, for this case, of a conflict of interest or of none (P10)."""

    has_conflict: bool


class DeclarationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ombudsman: str
    has_conflict: bool
    declared_at: dt.datetime


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
