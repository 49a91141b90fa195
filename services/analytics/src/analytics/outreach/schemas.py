import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ombuds_shared.schemas import InputModel


class ActivityType(StrEnum):
    INFORMATION_SESSION = "information_session"
    WORKSHOP = "workshop"
    TRAINING = "training"
    TOWN_HALL = "town_hall"
    INDUCTION = "induction"
    SENIOR_OFFICIALS_MEETING = "senior_officials_meeting"
    STAKEHOLDER_MEETING = "stakeholder_meeting"


class OutreachCreate(InputModel):
    """An outreach activity; no names of attendees, only how many came."""

    activity_type: ActivityType
    held_on: dt.date
    office: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
    participants: int = Field(ge=0, le=100_000)


class OutreachRead(BaseModel):
    id: str
    activity_type: ActivityType
    held_on: dt.date
    office: str
    pillar: str
    participants: int


class OutreachList(BaseModel):
    items: list[OutreachRead]
