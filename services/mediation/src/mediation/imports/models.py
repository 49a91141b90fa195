"""What the mediation service remembers of each mediation it imported from an old system."""

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mediation.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class ImportedMediation(Base):
    """One imported record: importing it again is a no-op, with other content a conflict."""

    __tablename__ = "imported_mediation"

    source_system: Mapped[str] = mapped_column(String(60), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # HistoricMediation.content_hash: facts only (codes and dates), no identity.
    content_hash: Mapped[str] = mapped_column(String(64))
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
