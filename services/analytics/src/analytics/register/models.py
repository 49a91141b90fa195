"""The published register entries: the office's approved texts, under a keyed pseudonym."""

from __future__ import annotations

from sqlalchemy import SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from analytics.db import Base
from analytics.facts.models import KEY


class PublishedSystemicIssue(Base):
    """An entry while it is published; its withdrawal deletes the row.

    Lists (offices, pillars, status by year) are JSON arrays of codes.
    """

    __tablename__ = "published_systemic_issue"

    entry_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    published_year: Mapped[int] = mapped_column(SmallInteger)
    category: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    observation: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text)
    management_response: Mapped[str] = mapped_column(Text)
    offices: Mapped[str] = mapped_column(Text)
    pillars: Mapped[str] = mapped_column(Text)
    first_reported_year: Mapped[int] = mapped_column(SmallInteger)
    status_by_year: Mapped[str] = mapped_column(Text)
