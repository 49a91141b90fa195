from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from mediation.db import Base


class IssueCode(Base):
    """An issue of the shared taxonomy, in the version it was published in."""

    __tablename__ = "issue_code"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    parent: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(200))
    report_label: Mapped[str] = mapped_column(String(200))
