import datetime as dt
import uuid
from typing import NamedTuple

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class ErasureRequest(Base):
    """A visitor's request that their closed matter be erased before its retention period
    ends; the handler or the chief confirms it. Dates only: who asked is known to intake
    alone, and only until the erasure."""

    __tablename__ = "erasure_request"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), unique=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # The staff member (handler or chief) who confirmed: staff, not the visitor.
    confirmed_by: Mapped[str | None] = mapped_column(String(200), default=None)


class ErasureRequestRow(NamedTuple):
    """A request as the office's list shows it, with its case's status and handler."""

    id: str
    case_id: str
    requested_at: dt.datetime
    confirmed_at: dt.datetime | None
    confirmed_by: str | None
    case_status: str
    assigned_to: str | None
