"""Consents of the visitor (P2), the actions they allow, and break-glass disclosures (P4)."""

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


def _id() -> str:
    return str(uuid.uuid4())


class Consent(Base):
    """A permission the visitor gave for one scope; revocable. Its wording is sealed."""

    __tablename__ = "consent"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    scope: Mapped[str] = mapped_column(String(40))
    # For share_identity: the office the identity may go to (a code, not a person).
    with_office: Mapped[str | None] = mapped_column(String(60), default=None)
    details_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    given_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class ConsentedAction(Base):
    """An action taken under a live consent (e.g. the supervisor was contacted)."""

    __tablename__ = "consented_action"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consent.id"))
    action: Mapped[str] = mapped_column(String(40))
    with_office: Mapped[str | None] = mapped_column(String(60), default=None)
    taken_by: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Disclosure(Base):
    """A break-glass disclosure for imminent risk of serious harm; its reason is sealed."""

    __tablename__ = "disclosure"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    office: Mapped[str] = mapped_column(String(40), index=True)
    disclosed_to: Mapped[str] = mapped_column(String(60))
    justification_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    made_by: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
