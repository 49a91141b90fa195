"""What a case is about and what the office did: issues, services, referrals, systemic tags."""

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cases.db import Base
from ombuds_shared.db import UTCDateTime, utcnow
from ombuds_shared.taxonomy import IssueCodeColumns


def _id() -> str:
    return str(uuid.uuid4())


class IssueCode(IssueCodeColumns, Base):
    """The issue taxonomy, per version: a revision adds rows and never rewrites old ones."""

    __tablename__ = "issue_code"


class CaseIssue(Base):
    """An issue of a case, coded in the taxonomy version in force when it was recorded."""

    __tablename__ = "case_issue"
    __table_args__ = (
        UniqueConstraint("case_id", "taxonomy_version", "code"),
        ForeignKeyConstraint(
            ["taxonomy_version", "code"], ["issue_code.version", "issue_code.code"]
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    taxonomy_version: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(10))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServiceGiven(Base):
    """A service the office gave in a case, on a date (a mediation names its mediation)."""

    __tablename__ = "case_service"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    service: Mapped[str] = mapped_column(String(40))
    given_on: Mapped[dt.date] = mapped_column(Date)
    mediation_id: Mapped[str | None] = mapped_column(String(36), default=None)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Referral(Base):
    """A referral of the visitor to a formal channel (P8), on a date."""

    __tablename__ = "case_referral"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    formal_channel: Mapped[str] = mapped_column(String(40))
    referred_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SystemicTag(Base):
    """A systemic issue of the register that this case is an instance of."""

    __tablename__ = "case_systemic_tag"
    __table_args__ = (UniqueConstraint("case_id", "systemic_issue"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    systemic_issue: Mapped[str] = mapped_column(String(60))
    tagged_by: Mapped[str] = mapped_column(String(200))
    tagged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
