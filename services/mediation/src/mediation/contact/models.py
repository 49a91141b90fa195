"""The contact log of a mediation: metadata only (no names, no free text)."""

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mediation.case.models import new_id
from mediation.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class MediationContact(Base):
    """A contact with the people of a mediation: when, by what medium, how long, which roles."""

    __tablename__ = "mediation_contact"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    contacted_on: Mapped[dt.date] = mapped_column(Date)
    medium: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # Role codes joined by commas (ombuds_shared.contact.participants_text).
    participants: Mapped[str] = mapped_column(String(120))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
