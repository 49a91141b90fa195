"""Anonymous survey responses: no respondent id, no timestamp, nothing to link back."""

import uuid

from sqlalchemy import Boolean, Float, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from analytics.db import Base
from ombuds_shared.vocabulary import SurveyDimension

# Workplace dimensions a pre-intervention survey asks about; a True answer means the
# respondent rates that dimension unfavourably (the exposure of the risk ratio).
DIMENSIONS = tuple(d.value for d in SurveyDimension)


def _random_id() -> str:
    # Random rather than sequential, so the order of rows says nothing about who came when.
    return str(uuid.uuid4())


class WorkplaceResponse(Base):
    """One anonymous answer to a pre-intervention workplace survey."""

    __tablename__ = "workplace_survey_response"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_random_id)
    year: Mapped[int] = mapped_column(SmallInteger)
    pillar: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(String(40))
    conflict: Mapped[bool] = mapped_column(Boolean)
    stressed: Mapped[bool] = mapped_column(Boolean)
    hours_on_conflict: Mapped[float] = mapped_column(Float)
    # The office, department or mission the survey was sent to, and its country (ISO 3166
    # alpha-2): for the survey's coverage; None in answers uploaded before they were kept.
    unit: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2))
    workload: Mapped[bool | None] = mapped_column(Boolean)
    role_clarity: Mapped[bool | None] = mapped_column(Boolean)
    supervisor_support: Mapped[bool | None] = mapped_column(Boolean)
    colleague_relations: Mapped[bool | None] = mapped_column(Boolean)
    recognition: Mapped[bool | None] = mapped_column(Boolean)
    fairness: Mapped[bool | None] = mapped_column(Boolean)
    communication: Mapped[bool | None] = mapped_column(Boolean)
    change_management: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (Index("ix_workplace_survey_response_year", "year", "pillar", "office"),)


class ExitResponse(Base):
    """One anonymous exit-survey answer: the year only, no office, no pillar, no visitor."""

    __tablename__ = "exit_survey_response"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_random_id)
    year: Mapped[int] = mapped_column(SmallInteger, index=True)
    helpful: Mapped[int] = mapped_column(SmallInteger)
    respected: Mapped[int] = mapped_column(SmallInteger)
    would_recommend: Mapped[bool] = mapped_column(Boolean)
    matter_resolved: Mapped[bool] = mapped_column(Boolean)


class SpentExitToken(Base):
    """An exit-survey token once used: its keyed hash only, no time, no link to the answer."""

    __tablename__ = "exit_survey_token_spent"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
