import datetime as dt
import uuid
from typing import NamedTuple

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class CaseFile(Base):
    """An ombudsman case; the visitor is known here only by an opaque reference."""

    __tablename__ = "case_file"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    # Cleared when the case's confidential content is destroyed (P9).
    visitor_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    pillar: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(ForeignKey("office.code"), index=True)
    location: Mapped[str] = mapped_column(String(40))
    occupational_group: Mapped[str] = mapped_column(String(40))
    intake_channel: Mapped[str] = mapped_column(String(40))
    # The intake request a case was accepted from: at most one case per request.
    intake_request_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    participant_count: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="opened")
    closure_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    assigned_to: Mapped[str | None] = mapped_column(String(200), default=None, index=True)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # The case's data key, wrapped by the master key: notes, consent details and
    # disclosure reasons are sealed under it. Deleting it is the crypto-shredding.
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class CaseRow(NamedTuple):
    """A case as its reads return it: the columns of a Core select, typed, without the cost
    of loading a CaseFile entity; every column but the intake request it was opened from."""

    id: str
    visitor_ref: str | None
    pillar: str
    office: str
    location: str
    occupational_group: str
    intake_channel: str
    is_group: bool
    participant_count: int
    status: str
    closure_reason: str | None
    assigned_to: str | None
    opened_by: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    destroyed_at: dt.datetime | None


class StatusChange(Base):
    """One step of a case's status history; never rewritten."""

    __tablename__ = "case_status_change"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    closure_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
