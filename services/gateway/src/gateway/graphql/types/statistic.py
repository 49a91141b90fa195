"""Analytics as GraphQL types: suppressed statistics (P6), headcounts, outreach, surveys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.graphql.types.common import PillarEnum, from_rest

# A cell's main figure is a count or a value; these are the further figures a cell may have.
_CELL_FIGURES = ("percent", "participants", "ci_low", "ci_high")


@strawberry.type(description="A statistic on offer.")
class StatisticSummary:
    name: str
    description: str


@strawberry.type(
    description="One figure of a row; a withheld figure (too few cases) is null with "
    "`suppressed` true."
)
class StatisticCell:
    column: str
    count: int | None
    value: float | None
    percent: float | None
    suppressed: bool
    participants: int | None
    ci_low: float | None = strawberry.field(description="Lower bound of a 95% interval.")
    ci_high: float | None = strawberry.field(description="Upper bound of a 95% interval.")
    merged_into: str | None = strawberry.field(
        default=None,
        description="The column this category is published under in this row's year (merged "
        "with its neighbours because one of them was too small).",
    )


@strawberry.type(description="A row of a statistic: a year (and pillar), its cells by column.")
class StatisticRow:
    year: int
    pillar: str | None = strawberry.field(description="For statistics per pillar.")
    top_three: list[str] | None = strawberry.field(
        description="The three columns with the highest published counts, where it applies."
    )
    cells: list[StatisticCell]


@strawberry.type
class ColumnLabel:
    column: str
    label: str


@strawberry.type(description="A statistic as published: only suppressed aggregates.")
class Statistic:
    name: str
    title: str
    threshold: int = strawberry.field(description="Cells resting on fewer cases are withheld.")
    from_year: int
    to_year: int
    pillar: PillarEnum | None
    office: str | None
    columns: list[str]
    column_labels: list[ColumnLabel]
    note: str | None
    rows: list[StatisticRow]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Statistic:
        notes = data.get("notes", {})
        filters = data["filters"]
        pillar = filters.get("pillar")
        return cls(
            name=data["statistic"],
            title=data["title"],
            threshold=data["threshold"],
            from_year=filters["from_year"],
            to_year=filters["to_year"],
            pillar=PillarEnum(pillar) if pillar else None,
            office=filters.get("office"),
            columns=data["columns"],
            column_labels=[
                ColumnLabel(column=c, label=label) for c, label in notes.get("labels", {}).items()
            ],
            note=notes.get("filters"),
            rows=[_row(row, data["columns"]) for row in data["rows"]],
        )


def _row(row: dict[str, Any], columns: list[str]) -> StatisticRow:
    cells = []
    for column in columns:
        cell = row["cells"].get(column, {})
        cells.append(
            StatisticCell(
                column=column,
                count=cell.get("count"),
                value=cell.get("value"),
                suppressed=bool(cell.get("suppressed", False)),
                merged_into=cell.get("merged_into"),
                **{figure: cell.get(figure) for figure in _CELL_FIGURES},
            )
        )
    return StatisticRow(
        year=row["year"], pillar=row.get("pillar"), top_three=row.get("top_three"), cells=cells
    )


@strawberry.type(description="Staff headcounts of a pillar in a year (for utilization rates).")
class Headcount:
    year: int
    pillar: PillarEnum
    international: int
    national: int

    @classmethod
    def of(cls, data: dict[str, Any]) -> Headcount:
        return from_rest(cls, data)


@strawberry.type(description="An outreach activity: its type, date, office and how many came.")
class OutreachActivity:
    id: strawberry.ID
    activity_type: str
    held_on: dt.date
    office: str
    pillar: str
    participants: int

    @classmethod
    def of(cls, data: dict[str, Any]) -> OutreachActivity:
        return from_rest(cls, data)


@strawberry.type
class SurveyReceipt:
    received: int = strawberry.field(description="How many answers were stored.")


@strawberry.input(description="An outreach activity; no names of attendees, only how many.")
class OutreachInput:
    activity_type: str = strawberry.field(
        description="information_session, workshop, training, town_hall, induction, "
        "senior_officials_meeting or stakeholder_meeting."
    )
    held_on: dt.date
    office: str
    participants: int


@strawberry.input(description="A visitor's anonymous exit survey (1-5 ratings).")
class ExitSurveyInput:
    helpful: int
    respected: int
    would_recommend: bool
    matter_resolved: bool
    token: str | None = strawberry.field(
        default=None,
        description="The one-time token handed over when the matter closed; "
        "an answer without a valid unused one is refused.",
    )


@strawberry.input
class WorkplaceDimensionInput:
    dimension: str
    unfavourable: bool


@strawberry.input(description="One respondent's anonymous answers to a workplace survey.")
class WorkplaceSurveyInput:
    year: int
    pillar: PillarEnum
    office: str
    conflict_last_three_months: bool
    stress_above_acceptable: bool
    hours_per_week_on_conflict: float
    dimensions: list[WorkplaceDimensionInput] | None = None
    unit: str | None = strawberry.field(
        default=None, description="The surveyed office, department or mission (a code)."
    )
    country: str | None = strawberry.field(
        default=None, description="The surveyed unit's country (ISO 3166 alpha-2)."
    )

    def to_rest(self) -> dict[str, Any]:
        return {
            **({"unit": self.unit} if self.unit is not None else {}),
            **({"country": self.country} if self.country is not None else {}),
            "year": self.year,
            "pillar": self.pillar.value,
            "office": self.office,
            "conflict_last_three_months": self.conflict_last_three_months,
            "stress_above_acceptable": self.stress_above_acceptable,
            "hours_per_week_on_conflict": self.hours_per_week_on_conflict,
            "dimensions": {d.dimension: d.unfavourable for d in self.dimensions or []},
        }
