import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class Message(Base):
    """A secure message between a case's visitor and its assigned ombudsman: ciphertext only.

    Sealed under the case's data key like a note, and destroyed with the case. The
    visitor is never named here: `sender` says only which side wrote it, and `author`
    is the ombudsman's subject, or null for the visitor.
    """

    __tablename__ = "case_message"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    sender: Mapped[str] = mapped_column(String(20))
    author: Mapped[str | None] = mapped_column(String(200))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the other side first read it: what makes a message "waiting" for its reader.
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
