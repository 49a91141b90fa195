"""De-identified facts: one row per pseudonymous case or mediation, and the rollups.

Statistics read the rollup `case_count` (kept current at ingestion), never the
case rows: a report over a million cases then reads a few thousand rows.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from analytics.db import Base
from ombuds_shared.vocabulary import Channel

KEY = 40
CODE = 40


class CaseFact(Base):
    """A case as analytics knows it: codes and months, under a keyed pseudonym."""

    __tablename__ = "case_fact"

    case_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    opened_year: Mapped[int] = mapped_column(SmallInteger)
    opened_month: Mapped[int] = mapped_column(SmallInteger)
    pillar: Mapped[str] = mapped_column(String(CODE))
    office: Mapped[str] = mapped_column(String(CODE))
    location: Mapped[str] = mapped_column(String(CODE))
    occupational_group: Mapped[str] = mapped_column(String(CODE))
    intake_channel: Mapped[str] = mapped_column(String(CODE))
    is_group: Mapped[bool] = mapped_column(Boolean)
    participant_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(CODE))
    closed_year: Mapped[int | None] = mapped_column(SmallInteger)
    closure_reason: Mapped[str | None] = mapped_column(String(CODE))
    # The contact log in sums only (no contact's date survives here), and the days from
    # opening to closing (None: open, or closed before the figure was sent).
    contacts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    contact_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    days_open: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_case_fact_year_pillar_office", "opened_year", "pillar", "office"),)


class CaseIssue(Base):
    """An issue code recorded on a case (once per code)."""

    __tablename__ = "case_issue"

    case_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    issue_code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE))


# The intake channels the rollup keeps by name; any other code is filed as "other", so that
# a rare or mistyped code never becomes a column of its own.
KNOWN_CHANNELS = frozenset(c.value for c in Channel)


def channel_code(value: str) -> str:
    return value if value in KNOWN_CHANNELS else "other"


class CaseTag(Base):
    """A systemic issue tagged on a case (once per issue)."""

    __tablename__ = "case_tag"

    case_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    systemic_issue: Mapped[str] = mapped_column(String(CODE), primary_key=True)


class CaseCount(Base):
    """The rollup: how many cases per year, pillar, office and value of one dimension.

    `dimension` is one of DIMENSIONS; `value` is "" for the opened count itself. The
    workload figures are here too: `contacted` (cases with a contact logged), `contacts`
    and `contact_minutes` (whose `count` is the sum of their contact log) per opening
    year, and `days_open` per closing year with the days as the value.
    Kept current at ingestion with an atomic upsert, so it is exact at every commit.
    """

    __tablename__ = "case_count"

    dimension: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    pillar: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    office: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    value: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class MediationFact(Base):
    """A mediation as analytics knows it; few enough per year to aggregate directly."""

    __tablename__ = "mediation_fact"

    mediation_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    opened_year: Mapped[int] = mapped_column(SmallInteger)
    opened_month: Mapped[int] = mapped_column(SmallInteger)
    pillar: Mapped[str] = mapped_column(String(CODE))
    office: Mapped[str] = mapped_column(String(CODE))
    referral_source: Mapped[str] = mapped_column(String(CODE))
    is_group: Mapped[bool] = mapped_column(Boolean)
    participant_count: Mapped[int | None] = mapped_column(Integer)
    from_case: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(CODE))
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    closed_year: Mapped[int | None] = mapped_column(SmallInteger)
    contacts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    contact_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    days_open: Mapped[int | None] = mapped_column(Integer)
    days_since_start: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index(
            "ix_mediation_fact_year_pillar_office",
            "opened_year",
            "pillar",
            "office",
            "outcome",
            "referral_source",
        ),
    )


class MediationIssue(Base):
    """An issue code a mediation raised when it opened (once per code)."""

    __tablename__ = "mediation_issue"

    mediation_key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    issue_code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE))
