import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mediation.case.models import new_id
from mediation.db import Base
from ombuds_shared.db import UTCDateTime, utcnow


class CertificateRequest(Base):
    """A registry's request for the start/end certificate of a tribunal case."""

    __tablename__ = "certificate_request"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tribunal: Mapped[str] = mapped_column(String(40))
    tribunal_case_number: Mapped[str] = mapped_column(String(60), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    decline_reason: Mapped[str | None] = mapped_column(String(40))
    certificate_id: Mapped[str | None] = mapped_column(String(36))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Certificate(Base):
    """An issued certificate: the facts it states and the JWS that states them."""

    __tablename__ = "certificate"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mediation_id: Mapped[str] = mapped_column(ForeignKey("mediation.id"), index=True)
    request_id: Mapped[str | None] = mapped_column(ForeignKey("certificate_request.id"))
    tribunal: Mapped[str] = mapped_column(String(40))
    tribunal_case_number: Mapped[str] = mapped_column(String(60), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    issuing_office: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(200))
    kid: Mapped[str] = mapped_column(String(100))
    jws: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="current")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(40))
    superseded_by: Mapped[str | None] = mapped_column(String(36))
    # issued_at is signed in whole seconds; this keeps the exact order of issue.
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
