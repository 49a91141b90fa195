"""The systemic-issue register: entries, their evidence (counts only) and their history."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import PillarEnum, from_rest
from ombuds_shared.register import SystemicEntryRead
from ombuds_shared.taxonomy import SystemicIssueStatus

strawberry.enum(SystemicIssueStatus, description="Where an issue stands with leadership.")
SystemicIssueStatusEnum = SystemicIssueStatus
REGISTER = "/v1/systemic-issues"


@strawberry.type(description="The status of an issue in a year it changed.")
class StatusAtYear:
    year: int
    status: SystemicIssueStatusEnum


@strawberry.input(description="The status of an issue in a year it changed.")
class StatusAtYearInput:
    year: int
    status: SystemicIssueStatusEnum


@strawberry.type(description="How many of the office's cases carry the tag, by year tagged.")
class Evidence:
    year: int
    cases: int


@strawberry.type(description="One field of a change: its value before and after, as JSON.")
class FieldChange:
    field: str
    before: str = strawberry.field(description="The value before, as JSON (null: none).")
    after: str = strawberry.field(description="The value after, as JSON.")


@strawberry.type(description="A change to an entry: who, when, what.")
class SystemicIssueChange:
    id: strawberry.ID
    action: str = strawberry.field(description="created, edited, published or withdrawn.")
    changed_by: str
    changed_at: dt.datetime
    changes: list[FieldChange]

    @classmethod
    def of(cls, data: dict[str, Any]) -> SystemicIssueChange:
        changes = [
            FieldChange(field=name, before=json.dumps(value["from"]), after=json.dumps(value["to"]))
            for name, value in data["changes"].items()
        ]
        return from_rest(cls, data, changes=changes)


@strawberry.experimental.pydantic.type(
    model=SystemicEntryRead,
    all_fields=True,
    description="An entry of the office's systemic-issue register (texts about a pattern, "
    "never about a case); only the chief marks it publishable in the annual report.",
)
class SystemicIssue:
    # The entry's fields are cases' SystemicEntryRead's; these are GraphQL's own types.
    id: strawberry.ID
    pillars: list[PillarEnum]
    status_by_year: list[StatusAtYear]
    current_status: SystemicIssueStatusEnum
    evidence: list[Evidence]

    @resolvers.field(description="Every change to the entry, oldest first.")
    @problems_as_errors
    async def history(self, info: GqlInfo) -> list[SystemicIssueChange]:
        page = await info.context.rest("GET", f"{REGISTER}/{self.id}/history")
        return [SystemicIssueChange.of(item) for item in page["items"]]


def issue_from_rest(data: dict[str, Any]) -> SystemicIssue:
    """An entry from cases' JSON (a function: the pydantic-made type keeps no classmethods)."""
    return from_rest(
        SystemicIssue,
        data,
        pillars=[PillarEnum(p) for p in data["pillars"]],
        status_by_year=[
            StatusAtYear(year=s["year"], status=SystemicIssueStatusEnum(s["status"]))
            for s in data["status_by_year"]
        ],
        evidence=[Evidence(year=e["year"], cases=e["cases"]) for e in data["evidence"]],
    )


@strawberry.input(description="A new entry of the register.")
class SystemicIssueInput:
    title: str
    observation: str
    category: str = strawberry.field(description="A systemic issue of the register's list.")
    first_reported_year: int
    offices: list[str] | None = strawberry.field(default=None, description="None: all.")
    pillars: list[PillarEnum] | None = strawberry.field(default=None, description="None: all.")
    recommendation: str | None = None
    management_response: str | None = None
    status_by_year: list[StatusAtYearInput] | None = None


@strawberry.input(description="The fields of an entry to change; those left out stay.")
class SystemicIssueUpdate:
    title: str | None = None
    observation: str | None = None
    category: str | None = None
    first_reported_year: int | None = None
    offices: list[str] | None = None
    pillars: list[PillarEnum] | None = None
    recommendation: str | None = None
    management_response: str | None = None
    status_by_year: list[StatusAtYearInput] | None = None
