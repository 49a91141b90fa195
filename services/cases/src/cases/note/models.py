import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class Note(Base):
    """A confidential note of the handling ombudsman (P5): ciphertext only."""

    __tablename__ = "case_note"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    author: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
