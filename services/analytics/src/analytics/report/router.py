from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse

from analytics.dependencies import AnalystDep
from analytics.report import annual
from analytics.statistics.dependencies import FiltersDep, ReaderDep
from analytics.statistics.router import StatisticName, statistic_named
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)


class ChartFormat(StrEnum):
    SVG = "svg"
    PNG = "png"


_MEDIA = {ChartFormat.SVG: "image/svg+xml", ChartFormat.PNG: "image/png"}


@router.get(
    "/charts/{chart}",
    summary="A statistic's chart (SVG or PNG), with the same filters as the statistic",
    response_class=Response,
    responses={
        200: {
            "description": "The chart.",
            "content": {
                "image/svg+xml": {"schema": {"type": "string"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def read_chart(
    chart: StatisticName,
    filters: FiltersDep,
    reader: ReaderDep,
    _: AnalystDep,
    format_: Annotated[ChartFormat, Query(alias="format")] = ChartFormat.SVG,
) -> Response:
    table = await statistic_named(chart)(reader, filters)
    content = await annual.chart(reader, table, format_.value)
    return Response(content, media_type=_MEDIA[format_])


@router.get(
    "/reports/annual/{year}",
    summary="The annual report for a year: a self-contained HTML page of tables and charts",
    response_class=HTMLResponse,
)
async def annual_report(
    year: Annotated[int, Path(ge=1990, le=2100)],
    filters: FiltersDep,
    reader: ReaderDep,
    _: AnalystDep,
) -> HTMLResponse:
    return HTMLResponse(await annual.render(reader, year=year, filters=filters))
