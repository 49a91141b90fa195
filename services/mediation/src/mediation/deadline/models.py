import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.case.models import new_id
from mediation.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class DeadlineClock(Base):
    """One clock a mediation touches: its period, and where it stands now."""

    __tablename__ = "deadline_clock"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="running", index=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    period_days: Mapped[int] = mapped_column(Integer)
    # When the clock runs out; null while it is stopped (the remaining days are kept).
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    days_remaining: Mapped[int | None] = mapped_column(Integer)

    entries: Mapped[list["ClockEntry"]] = relationship(
        lazy="selectin", order_by="ClockEntry.seq", cascade="all, delete-orphan"
    )


class ClockEntry(Base):
    """A line of the ledger: a clock started, stopped, resumed, extended or ended, and why."""

    __tablename__ = "deadline_clock_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    clock_id: Mapped[str] = mapped_column(ForeignKey("deadline_clock.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(60))
    days: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Extension(Base):
    """An extension of the tribunal's suspension: requested, then granted or refused."""

    __tablename__ = "deadline_extension"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    requested_on: Mapped[dt.date] = mapped_column(Date)
    requested_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    granted_days: Mapped[int | None] = mapped_column(Integer)
