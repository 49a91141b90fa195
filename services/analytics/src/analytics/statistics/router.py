from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from analytics.dependencies import AnalystDep
from analytics.statistics.dependencies import FiltersDep, ReaderDep
from analytics.statistics.service import STATISTICS, Statistic, publish
from ombuds_shared.errors import PROBLEM_RESPONSES, NotFound

router = APIRouter(
    prefix="/v1/analytics/statistics", tags=["analytics"], responses=PROBLEM_RESPONSES
)

# A name, not an enum: an unknown statistic is a 404 like any unknown resource (a 422 would
# say the request was malformed). The schema still lists the names on offer.
StatisticName = Annotated[
    str,
    Path(
        description="A statistic's name (GET /v1/analytics/statistics lists them).",
        json_schema_extra={"enum": list(STATISTICS)},
    ),
]


def statistic_named(name: str) -> Statistic:
    """The statistic of that name; 404 for a name there is none of."""
    compute = STATISTICS.get(name)
    if compute is None:
        raise NotFound(f"There is no such statistic; GET {router.prefix} lists them.")
    return compute


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
    statistic_named(statistic)  # 404 for a name there is no statistic of
    table = await publish(statistic, reader, filters)
    threshold = reader.threshold_for(statistic)
    if format_ is Format.CSV:
        return Response(
            table.to_csv(threshold),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{statistic}.csv"'},
        )
    return table.to_json(threshold=threshold, filters=filters.as_dict())
