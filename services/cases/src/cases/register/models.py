"""Register entries and the history of every change made to them."""

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


def _id() -> str:
    return str(uuid.uuid4())


class SystemicEntry(Base):
    """A systemic issue the office reports to leadership, independent of any single case.

    Its texts are the office's own words about a pattern, never about a case; lists
    (offices, pillars, status by year) are JSON arrays of codes.
    """

    __tablename__ = "systemic_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    office: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    observation: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(60))
    offices: Mapped[str] = mapped_column(Text)
    pillars: Mapped[str] = mapped_column(Text)
    first_reported_year: Mapped[int] = mapped_column(Integer)
    recommendation: Mapped[str] = mapped_column(Text)
    management_response: Mapped[str] = mapped_column(Text)
    status_by_year: Mapped[str] = mapped_column(Text)
    publishable: Mapped[bool] = mapped_column(Boolean, default=False)
    published_by: Mapped[str | None] = mapped_column(String(200), default=None)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SystemicEntryChange(Base):
    """One change to an entry: who, when, what (each field's value before and after)."""

    __tablename__ = "systemic_entry_change"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    entry_id: Mapped[str] = mapped_column(ForeignKey("systemic_entry.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
