"""Conflict-of-interest declarations (P10) and the assignment history of a case."""

import datetime as dt
import uuid

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


def _id() -> str:
    return str(uuid.uuid4())


class ConflictDeclaration(Base):
    """An ombudsman's declaration, for one case, that they have or have no conflict."""

    __tablename__ = "conflict_declaration"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    ombudsman: Mapped[str] = mapped_column(String(200))
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A declared conflict is cleared only by the office's chief, with a reason (a code,
    # so that nothing about the people involved is written down).
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    cleared_by: Mapped[str | None] = mapped_column(String(200), default=None)
    cleared_reason: Mapped[str | None] = mapped_column(String(40), default=None)


class Assignment(Base):
    """Who handled a case and when; a reassignment ends one row and starts the next."""

    __tablename__ = "case_assignment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    assignee: Mapped[str] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(200))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
