"""What the cases service remembers of each record it imported from an office's old system."""

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class ImportedCase(Base):
    """One imported record: importing it again is a no-op, with other content a conflict."""

    __tablename__ = "imported_case"

    source_system: Mapped[str] = mapped_column(String(60), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # HistoricCase.content_hash: facts only (codes and dates), no identity.
    content_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
