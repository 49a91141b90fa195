import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mediation.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class MediationDestruction(Base):
    """That a mediation's confidential content was destroyed, when and how much: no content."""

    __tablename__ = "mediation_destruction"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), unique=True)
    destroyed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    run_by: Mapped[str] = mapped_column(String(200))
    notes: Mapped[int] = mapped_column(Integer)
    parties: Mapped[int] = mapped_column(Integer)
    identities: Mapped[int] = mapped_column(Integer)
