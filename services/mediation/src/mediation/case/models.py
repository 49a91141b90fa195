import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mediation.db import Base
from ombuds_shared.dates import earliest_day_of
from ombuds_shared.db import UTCDateTime, utcnow


def new_id() -> str:
    """A new random id (UUID4, as text)."""
    return str(uuid.uuid4())


class Mediation(Base):
    """A mediation case; parties are known here only by opaque references."""

    __tablename__ = "mediation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pillar: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(ForeignKey("office.code"), index=True)
    referral_source: Mapped[str] = mapped_column(String(40))
    tribunal: Mapped[str | None] = mapped_column(String(40))
    tribunal_case_number: Mapped[str | None] = mapped_column(String(60), index=True)
    referral_date: Mapped[dt.date | None] = mapped_column(Date)
    tribunal_deadline: Mapped[dt.date | None] = mapped_column(Date)
    # The day the office accepted the referral, as given (not the day it was entered).
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    # The ombudsman case it came from: at most one mediation per case.
    source_case_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    participant_count: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[str] = mapped_column(String(20), default="referred", index=True)
    outcome: Mapped[str | None] = mapped_column(String(40))
    start_basis: Mapped[str | None] = mapped_column(String(30))
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    settlement_signed_on: Mapped[dt.date | None] = mapped_column(Date)
    settlement_implementation_deadline: Mapped[dt.date | None] = mapped_column(Date)
    mediator: Mapped[str | None] = mapped_column(String(200), index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the retention schedule destroyed its notes and party references.
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # Optimistic lock: two transitions racing on one mediation cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    parties: Mapped[list["Party"]] = relationship(
        lazy="selectin", order_by="Party.added_at", cascade="all, delete-orphan"
    )
    issues: Mapped[list["MediationIssue"]] = relationship(
        lazy="selectin", order_by="MediationIssue.code", cascade="all, delete-orphan"
    )
    sessions: Mapped[list["MediationSession"]] = relationship(
        lazy="selectin", order_by="MediationSession.held_on", cascade="all, delete-orphan"
    )

    def received_on(self) -> dt.date:
        """The day the referral reached the office: its own date if given, else the opening."""
        opened = earliest_day_of(self.opened_at)
        return min(self.referral_date, opened) if self.referral_date else opened

    def accepted_floor(self) -> dt.date:
        """No later step (a party's answer, a closure, an extension) predates the acceptance."""
        return self.accepted_on or self.received_on()


class MediationIssue(Base):
    """An issue of the mediation, coded in the taxonomy version of the day."""

    __tablename__ = "mediation_issue"
    __table_args__ = (
        ForeignKeyConstraint(
            ["taxonomy_version", "code"], ["issue_code.version", "issue_code.code"]
        ),
    )

    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    taxonomy_version: Mapped[str] = mapped_column(String(40))


class Party(Base):
    """A party to a mediation (an opaque reference) and their agreement to mediate.

    With `has_identity`, the reference is the one intake's vault gave when it sealed the
    party's identity bound to this mediation; the identity itself never comes here.
    """

    __tablename__ = "mediation_party"
    __table_args__ = (UniqueConstraint("mediation_id", "reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    represents_administration: Mapped[bool] = mapped_column(Boolean, default=False)
    has_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    agreement: Mapped[str] = mapped_column(String(20), default="pending")
    responded_on: Mapped[dt.date | None] = mapped_column(Date)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediationSession(Base):
    """A mediation session in the mediator's diary: planned ahead (a time in a time zone, a
    mode, a venue), then held, cancelled or rescheduled; or recorded as held after the fact.

    `held_on` is the session's day (its local date when planned), the only date analytics
    ever learns, and only once the session is held. The venue is a place, never a party's
    name; it is shown to the assigned mediator only, reaches a calendar only when they say
    so (`venue_in_calendar`), and is erased with the mediation's content under retention.
    """

    __tablename__ = "mediation_session"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="held", index=True)
    # Planned sessions only: the UTC instants, and the zone they were planned in.
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    venue: Mapped[str | None] = mapped_column(String(300))
    venue_in_calendar: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    changes: Mapped[list["SessionChange"]] = relationship(
        lazy="selectin",
        order_by="SessionChange.sequence",
        cascade="all, delete-orphan",
    )


class SessionChange(Base):
    """One step of a session's history: planned, rescheduled (with the times it moved to),
    held, or cancelled, with the reason code for a move or a cancellation; no venue, no text."""

    __tablename__ = "mediation_session_change"
    # Two changes racing on one session cannot both be its next step (the loser gets a 409).
    __table_args__ = (UniqueConstraint("session_id", "sequence"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("mediation_session.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConflictDeclaration(Base):
    """A mediator's declaration on a conflict of interest before taking a mediation (P10)."""

    __tablename__ = "conflict_declaration"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    mediator: Mapped[str] = mapped_column(String(200))
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
