"""The contact log of a case: metadata only (no names, no free text)."""

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class CaseContact(Base):
    """A contact with the people of a case: when, by what medium, how long, which roles."""

    __tablename__ = "case_contact"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    contacted_on: Mapped[dt.date] = mapped_column(Date)
    medium: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # Role codes joined by commas (ombuds_shared.contact.participants_text).
    participants: Mapped[str] = mapped_column(String(120))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
