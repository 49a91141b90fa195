import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base
from ombuds_shared.db import UTCDateTime
from ombuds_shared.outbox import OutboxColumns


class StaffMember(Base):
    """Who works for an office: the roster the case services assign from.

    The display name is a staff identity: the office's chief and the administrator read
    it here, and it never leaves intake (the other services get subject, office, role and
    whether the member is active)."""

    __tablename__ = "staff_member"

    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    office: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DirectoryChange(OutboxColumns, Base):
    """A directory change waiting to reach one service (`aggregate_id` names it), so that
    each service gets its changes in order and one that is away holds up no other."""

    __tablename__ = "directory_change"
