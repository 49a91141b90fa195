"""The contact log of a case: metadata only (no names, no free text)."""

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.contact import ContactColumns


class CaseContact(ContactColumns, Base):
    """A contact with the people of a case: when, by what medium, how long, which roles."""

    __tablename__ = "case_contact"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
