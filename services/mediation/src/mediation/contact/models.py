"""The contact log of a mediation: metadata only (no names, no free text)."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mediation.case.models import new_id
from mediation.db import Base
from ombuds_shared.contact import ContactColumns


class MediationContact(ContactColumns, Base):
    """A contact with the people of a mediation: when, by what medium, how long, which roles."""

    __tablename__ = "mediation_contact"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
