import datetime as dt

from sqlalchemy import Boolean, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base
from ombuds_shared.db import UTCDateTime
from ombuds_shared.outbox import OutboxColumns


class StaffMember(Base):
    """Who works for an office: the roster the case services assign from.

    The display name is a staff identity: sealed under the member's own data key (in the
    key store, context `staff:<subject>`), read by the office's chief and the administrator
    only, and never sent elsewhere (the other services get subject, office, role and
    whether the member is active)."""

    __tablename__ = "staff_member"

    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    display_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    office: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DirectoryChange(OutboxColumns, Base):
    """A directory change waiting to reach one service (`aggregate_id` names it), so that
    each service gets its changes in order and one that is away holds up no other."""

    __tablename__ = "directory_change"
