import datetime as dt
import uuid

from sqlalchemy import Date, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from analytics.db import Base


class OutreachActivity(Base):
    """An activity the office ran: its type, when, where, and how many attended."""

    __tablename__ = "outreach_activity"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    activity_type: Mapped[str] = mapped_column(String(40))
    held_on: Mapped[dt.date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(SmallInteger)
    office: Mapped[str] = mapped_column(String(40))
    pillar: Mapped[str] = mapped_column(String(40))
    participants: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_outreach_activity_year_type", "year", "activity_type"),)
