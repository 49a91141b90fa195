from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from analytics.dependencies import AnalystDep
from analytics.statistics.dependencies import FiltersDep, ReaderDep
from analytics.statistics.service import STATISTICS, publish
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/analytics/statistics", tags=["analytics"], responses=PROBLEM_RESPONSES
)

StatisticName = StrEnum("StatisticName", {name: name for name in STATISTICS})  # type: ignore[misc]


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


@router.get("", summary="The statistics on offer")
async def list_statistics(_: AnalystDep) -> dict[str, list[dict[str, str]]]:
    return {
        "items": [
            {"name": name, "description": (fn.__doc__ or "").strip().splitlines()[0]}
            for name, fn in STATISTICS.items()
        ]
    }


@router.get(
    "/{statistic}",
    summary="One statistic, suppressed for disclosure control, as JSON or CSV",
    response_model=None,
    responses={
        200: {
            "description": "The table: JSON, or CSV with `format=csv`.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def read_statistic(
    statistic: StatisticName,
    filters: FiltersDep,
    reader: ReaderDep,
    _: AnalystDep,
    format_: Annotated[Format, Query(alias="format")] = Format.JSON,
) -> Any:
    table = await publish(statistic.value, reader, filters)
    threshold = reader.threshold_for(statistic.value)
    if format_ is Format.CSV:
        return Response(
            table.to_csv(threshold),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{statistic.value}.csv"'},
        )
    return table.to_json(threshold=threshold, filters=filters.as_dict())
