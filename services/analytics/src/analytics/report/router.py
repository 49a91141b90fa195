import asyncio
import io
import zipfile
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response

from analytics.config import AnalyticsSettings
from analytics.dependencies import AnalystDep
from analytics.report import annual, document
from analytics.report.pdf import render_pdf
from analytics.report.texts import Texts
from analytics.report.word import render_docx
from analytics.statistics.dependencies import FiltersDep, ReaderDep
from analytics.statistics.router import StatisticName, statistic_named
from analytics.statistics.service import publish
from ombuds_shared.dependencies import settings_of
from ombuds_shared.errors import PROBLEM_RESPONSES, NotAcceptable
from ombuds_shared.openapi import problem_responses
from ombuds_shared.pages import html_page

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
    statistic_named(chart)  # 404 for a name there is no statistic of
    table = await publish(chart, reader, filters)
    content = await annual.chart(reader, table, format_.value)
    return Response(content, media_type=_MEDIA[format_])


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"
    ZIP = "zip"


REPORT_MEDIA = {
    ReportFormat.HTML: "text/html",
    ReportFormat.PDF: "application/pdf",
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.ZIP: "application/zip",
}
_UNACCEPTABLE = NotAcceptable(
    "The annual report is available as text/html, application/pdf, "
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document and "
    "application/zip (or ask with ?format=html|pdf|docx|zip)."
)


def negotiate(accept: str | None) -> ReportFormat:
    """The format an Accept header prefers (RFC 9110 12.5.1): the highest quality among
    the report's media types, HTML first on a tie; 406 when it accepts none of them."""
    if not accept or not accept.strip():
        return ReportFormat.HTML
    best: tuple[float, int, ReportFormat] | None = None
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        media = media.lower()
        for order, (fmt, offered) in enumerate(REPORT_MEDIA.items()):
            kind = offered.split("/")[0]
            if media in (offered, f"{kind}/*", "*/*"):
                candidate = (quality, -order, fmt)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
    if best is None:
        raise _UNACCEPTABLE
    return best[2]


@router.get(
    "/reports/annual/{year}",
    summary="The annual report for a year: HTML, PDF, Word (DOCX) or a ZIP of CSV tables",
    description="The format is chosen by `?format=`, else by the Accept header (HTML when "
    "it accepts anything); an Accept that allows none of them is answered 406.",
    response_class=Response,
    responses={
        200: {
            "description": "The report.",
            "content": {
                REPORT_MEDIA[ReportFormat.HTML]: {"schema": {"type": "string"}},
                **{
                    REPORT_MEDIA[f]: {"schema": {"type": "string", "format": "binary"}}
                    for f in (ReportFormat.PDF, ReportFormat.DOCX, ReportFormat.ZIP)
                },
            },
        },
        **problem_responses(_UNACCEPTABLE),
    },
)
async def annual_report(
    request: Request,
    year: Annotated[int, Path(ge=1990, le=2100)],
    filters: FiltersDep,
    reader: ReaderDep,
    _: AnalystDep,
    format_: Annotated[ReportFormat | None, Query(alias="format")] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    chosen = format_ or negotiate(accept)
    settings = settings_of(request.app, AnalyticsSettings)
    report = await document.build(
        reader, year=year, filters=filters, organization=settings.report_organization,
        office=settings.report_office, texts=Texts(settings.report_templates_dir),
    )  # fmt: skip
    name = f"annual-report-{year}"
    if chosen is ReportFormat.HTML:
        svg = await annual.charts(reader, report, "svg")
        # Its policy names the hashes of its own style elements: it renders where it is opened.
        return html_page(annual.render_html(report, svg))
    if chosen is ReportFormat.PDF:
        svg = await annual.charts(reader, report, "svg")
        # Laying out the pages is CPU work: in a worker thread, off the event loop.
        content = await asyncio.to_thread(render_pdf, report, svg)
    elif chosen is ReportFormat.DOCX:
        png = await annual.charts(reader, report, "png")
        content = await asyncio.to_thread(render_docx, report, png)
    else:
        content = tables_zip(report)
    return Response(
        content,
        media_type=REPORT_MEDIA[chosen],
        headers={"Content-Disposition": f'attachment; filename="{name}.{chosen.value}"'},
    )


def tables_zip(report: document.AnnualReport) -> bytes:
    """One CSV per statistic (the whole trend, withheld cells empty), as published."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in report.tables.items():
            archive.writestr(f"{name}.csv", table.to_csv())
    return out.getvalue()
