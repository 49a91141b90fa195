import datetime as dt
import uuid
from typing import NamedTuple

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class DestructionRecord(Base):
    """That a case's confidential content was destroyed, when and how much: no content."""

    __tablename__ = "destruction_record"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), unique=True)
    destroyed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_by: Mapped[str] = mapped_column(String(200))
    notes: Mapped[int] = mapped_column(Integer)
    consents: Mapped[int] = mapped_column(Integer)
    disclosures: Mapped[int] = mapped_column(Integer)
    identity_destroyed: Mapped[bool] = mapped_column(Boolean)


class DueCase(NamedTuple):
    """A closed case the schedule destroys: what its destruction needs to know."""

    id: str
    visitor_ref: str | None
    closed_at: dt.datetime
