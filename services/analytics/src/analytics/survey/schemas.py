from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StringConstraints, field_validator

from analytics.survey.models import DIMENSIONS
from ombuds_shared.reference import Pillar
from ombuds_shared.schemas import InputModel


class WorkplaceAnswer(InputModel):
    """One respondent's answers; no identity, no free text."""

    year: int = Field(ge=1990, le=2100)
    pillar: Pillar
    office: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
    conflict_last_three_months: StrictBool
    stress_above_acceptable: StrictBool
    hours_per_week_on_conflict: float = Field(ge=0, le=80)
    # The surveyed office, department or mission (a code) and its country (ISO 3166
    # alpha-2), for the coverage of the survey; optional.
    unit: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    # dimension -> True when rated unfavourably; a dimension left out was not answered.
    dimensions: dict[str, StrictBool] = Field(default_factory=dict)

    @field_validator("dimensions")
    @classmethod
    def _known(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = set(value) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"unknown dimensions: {sorted(unknown)}; known: {list(DIMENSIONS)}")
        return value


class WorkplaceUpload(InputModel):
    responses: list[WorkplaceAnswer] = Field(min_length=1, max_length=10_000)


class ExitAnswer(InputModel):
    """A visitor's exit survey when their matter ends; stored with no link to them."""

    # The one-time token handed over when the matter closed; without it the answer is
    # refused (403), so it is optional here rather than a schema error.
    token: Annotated[str, StringConstraints(max_length=4096)] | None = None
    helpful: int = Field(ge=1, le=5)
    respected: int = Field(ge=1, le=5)
    would_recommend: StrictBool
    matter_resolved: StrictBool


class Received(BaseModel):
    received: int
