import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mediation.case.models import new_id
from mediation.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class MediationNote(Base):
    """A confidential note, sealed under its mediation's data key (P5)."""

    __tablename__ = "mediation_note"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
