"""The contact log's vocabulary, shared by cases and mediation (producers) and analytics.

A contact is metadata only: when, by what medium, for how long, and who took
part BY ROLE. It holds no names and no free text; what was said belongs in the
sealed notes. So a contact row carries nothing a retention run must destroy.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ombuds_shared.db import UTCDateTime, utcnow
from ombuds_shared.schemas import InputModel

__all__ = [
    "MAX_CONTACT_MINUTES",
    "ContactColumns",
    "ContactCreate",
    "ContactLog",
    "ContactMedium",
    "ContactParticipant",
    "ContactRead",
    "contact_log",
    "contact_read",
    "participants_text",
]


class ContactMedium(StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"
    EMAIL = "email"
    MESSAGE = "message"
    OTHER = "other"


class ContactParticipant(StrEnum):
    """Who took part, by role; never by name."""

    VISITOR = "visitor"
    OTHER_PARTY = "other_party"
    MANAGER = "manager"
    WITNESS = "witness"
    OMBUDSMAN = "ombudsman"
    MEDIATOR = "mediator"
    OTHER = "other"


# A day's work at most; written media may take no measurable time (0) or an estimate.
MAX_CONTACT_MINUTES = 1440
WRITTEN_MEDIA = frozenset({ContactMedium.EMAIL, ContactMedium.MESSAGE})


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class ContactCreate(InputModel):
    """A contact with the people of a case or mediation; content goes in a note."""

    contacted_on: dt.date = Field(default_factory=_today)
    medium: ContactMedium
    duration_minutes: int = Field(
        ge=0,
        le=MAX_CONTACT_MINUTES,
        description="1..1440; an e-mail or message may be logged with 0 (or an estimate).",
    )
    participants: list[ContactParticipant] = Field(
        min_length=1, max_length=len(ContactParticipant), description="Roles, never names."
    )

    @field_validator("contacted_on")
    @classmethod
    def _not_in_future(cls, day: dt.date) -> dt.date:
        # A day of slack: the handler's local date may be ahead of UTC.
        if day > _today() + dt.timedelta(days=1):
            raise ValueError("the date may not be in the future")
        return day

    @field_validator("participants")
    @classmethod
    def _once_each(cls, roles: list[ContactParticipant]) -> list[ContactParticipant]:
        if len(set(roles)) != len(roles):
            raise ValueError("each role is listed once")
        return sorted(roles)

    @field_validator("duration_minutes")
    @classmethod
    def _spoken_contacts_take_time(cls, minutes: int, info: ValidationInfo) -> int:
        medium = info.data.get("medium")
        if minutes == 0 and medium is not None and medium not in WRITTEN_MEDIA:
            raise ValueError("only an e-mail or message may take 0 minutes")
        return minutes

    def row_fields(self, recorded_by: str) -> dict[str, Any]:
        """The columns of its row (see ContactColumns), recorded now by `recorded_by`."""
        return {
            "contacted_on": self.contacted_on,
            "medium": self.medium.value,
            "duration_minutes": self.duration_minutes,
            "participants": participants_text(self.participants),
            "recorded_by": recorded_by,
            "recorded_at": utcnow(),
        }


class ContactColumns:
    """Columns of a contact log's table in cases and mediation (mix into a declarative class)."""

    contacted_on: Mapped[dt.date] = mapped_column(Date)
    medium: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # Role codes joined by commas (participants_text).
    participants: Mapped[str] = mapped_column(String(120))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    contacted_on: dt.date
    medium: ContactMedium
    duration_minutes: int
    participants: list[ContactParticipant]
    recorded_at: dt.datetime


class ContactLog(BaseModel):
    """The contacts of a case or mediation, oldest first, and the time they took."""

    items: list[ContactRead]
    contact_count: int
    time_on_case_minutes: int = Field(description="The sum of the contacts' durations.")


def participants_text(roles: list[ContactParticipant]) -> str:
    """Roles as stored: codes joined by commas (no table per role for a short fixed list)."""
    return ",".join(role.value for role in roles)


def participants_of(text: str) -> list[ContactParticipant]:
    """Roles as read back."""
    return [ContactParticipant(code) for code in text.split(",") if code]


_READ_FIELDS = ("id", "contacted_on", "medium", "duration_minutes", "recorded_at")


def contact_read(contact: Any) -> ContactRead:
    """A stored contact (an entity with ContactColumns) as read, its roles as a list."""
    values = {name: getattr(contact, name) for name in _READ_FIELDS}
    return ContactRead.model_validate(
        {**values, "participants": participants_of(contact.participants)}
    )


def contact_log(rows: list[ContactRead]) -> ContactLog:
    """The log with its totals."""
    return ContactLog(
        items=rows,
        contact_count=len(rows),
        time_on_case_minutes=sum(r.duration_minutes for r in rows),
    )
