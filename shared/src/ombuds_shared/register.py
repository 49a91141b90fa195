"""A systemic-issue register entry as the cases service answers with it, and the gateway's
GraphQL mirrors it field for field (docs/cases.md, "The systemic-issue register")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from ombuds_shared.reference import Pillar
from ombuds_shared.taxonomy import SystemicIssueStatus

__all__ = ["Evidence", "StatusAtYear", "SystemicEntryRead", "Year"]

Year = Annotated[int, Field(ge=1990, le=2100)]


class StatusAtYear(BaseModel):
    year: Year
    status: SystemicIssueStatus


class Evidence(BaseModel):
    """How many of the office's cases carry the entry's tag, by the year they were tagged."""

    year: int
    cases: int


class SystemicEntryRead(BaseModel):
    id: str
    office: str
    title: str
    observation: str
    category: str
    category_label: str
    offices: list[str]
    pillars: list[Pillar]
    first_reported_year: int
    recommendation: str
    management_response: str
    status_by_year: list[StatusAtYear]
    current_status: SystemicIssueStatus
    publishable: bool
    published_at: dt.datetime | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    evidence: list[Evidence] = Field(
        default_factory=list,
        description="Counts only: the office's cases tagged with the entry's category.",
    )
