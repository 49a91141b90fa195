"""Register entries as the API takes and gives them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator, model_validator

from ombuds_shared.pagination import Page
from ombuds_shared.reference import Pillar
from ombuds_shared.register import StatusAtYear, SystemicEntryRead, Year
from ombuds_shared.schemas import InputModel
from ombuds_shared.taxonomy import SYSTEMIC_ISSUES

OfficeCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
# The office's texts for leadership: paragraphs, not documents.
LongText = Annotated[str, Field(max_length=4000)]


def _known_category(value: str) -> str:
    if value not in SYSTEMIC_ISSUES:
        raise ValueError("not a systemic issue of the register")
    return value


def _not_in_future(year: int) -> int:
    if year > dt.datetime.now(dt.UTC).year:
        raise ValueError("the year may not be in the future")
    return year


def _chronological(statuses: list[StatusAtYear]) -> list[StatusAtYear]:
    years = [s.year for s in statuses]
    if years != sorted(years):
        raise ValueError("statuses must be in order of their years")
    for s in statuses:
        _not_in_future(s.year)
    return statuses


class SystemicEntryCreate(InputModel):
    title: str = Field(min_length=3, max_length=200, examples=["Performance management"])
    observation: LongText = Field(min_length=1)
    category: str = Field(max_length=60, examples=["performance_management"])
    offices: list[OfficeCode] = Field(
        default_factory=list, max_length=20, description="Offices concerned (none: all)."
    )
    pillars: list[Pillar] = Field(
        default_factory=list, max_length=3, description="Pillars concerned (none: all)."
    )
    first_reported_year: Year
    recommendation: LongText = ""
    management_response: LongText = ""
    status_by_year: list[StatusAtYear] = Field(
        default_factory=list,
        max_length=100,
        description="The status in each year it changed, oldest first; by default open in "
        "the year first reported.",
    )

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        return _known_category(value)

    @field_validator("first_reported_year")
    @classmethod
    def _year(cls, value: int) -> int:
        return _not_in_future(value)

    @field_validator("status_by_year")
    @classmethod
    def _statuses(cls, value: list[StatusAtYear]) -> list[StatusAtYear]:
        return _chronological(value)

    @model_validator(mode="after")
    def _statuses_after_first_report(self) -> SystemicEntryCreate:
        if self.status_by_year and self.status_by_year[0].year < self.first_reported_year:
            raise ValueError("status_by_year: no status before the year first reported")
        return self


class SystemicEntryUpdate(InputModel):
    """The fields to change; those left out stay as they are."""

    title: str | None = Field(None, min_length=3, max_length=200)
    observation: LongText | None = Field(None, min_length=1)
    category: str | None = Field(None, max_length=60)
    offices: list[OfficeCode] | None = Field(None, max_length=20)
    pillars: list[Pillar] | None = Field(None, max_length=3)
    first_reported_year: Year | None = None
    recommendation: LongText | None = None
    management_response: LongText | None = None
    status_by_year: list[StatusAtYear] | None = Field(None, min_length=1, max_length=100)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        return None if value is None else _known_category(value)

    @field_validator("first_reported_year")
    @classmethod
    def _year(cls, value: int | None) -> int | None:
        return None if value is None else _not_in_future(value)

    @field_validator("status_by_year")
    @classmethod
    def _statuses(cls, value: list[StatusAtYear] | None) -> list[StatusAtYear] | None:
        return None if value is None else _chronological(value)

    @model_validator(mode="after")
    def _something(self) -> SystemicEntryUpdate:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name}: may not be null")
        return self


class Publication(InputModel):
    publishable: bool = Field(
        description="true: the chief approves the entry's current texts for the annual "
        "report; false: withdraws it from the report."
    )


SystemicEntryPage = Page[SystemicEntryRead]


class SystemicEntryChangeRead(BaseModel):
    id: str
    action: str = Field(description="created, edited, published or withdrawn.")
    changes: dict[str, Any] = Field(
        description="Each field changed: its value before (`from`) and after (`to`)."
    )
    changed_by: str
    changed_at: dt.datetime


class SystemicEntryHistory(BaseModel):
    """Every change to an entry, oldest first."""

    items: list[SystemicEntryChangeRead]
