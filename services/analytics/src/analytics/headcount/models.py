from sqlalchemy import Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from analytics.db import Base


class StaffHeadcount(Base):
    """Staff of a pillar in a year, by recruitment: the denominators of utilization."""

    __tablename__ = "staff_headcount"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    pillar: Mapped[str] = mapped_column(String(40), primary_key=True)
    international: Mapped[int] = mapped_column(Integer)
    national: Mapped[int] = mapped_column(Integer)
