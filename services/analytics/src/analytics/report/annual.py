"""The annual report: one self-contained HTML page of every statistic, tables and charts.

Charts are inlined as SVG, styles are inline; the page loads nothing from
anywhere, so it can be mailed, archived or pasted into the office's report.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
from typing import Any

from analytics.register.service import ReportedIssue, reported_in
from analytics.report.charts import ChartFormat, draw
from analytics.statistics.service import STATISTICS, Filters, Reader
from analytics.statistics.tables import Table
from ombuds_shared.errors import ValidationFailed
from ombuds_shared.taxonomy import SYSTEMIC_ISSUES

TREND_YEARS = 10

# Report sections in the order of the office's report to its governing body.
SECTIONS: list[tuple[str, list[str]]] = [
    ("Cases", ["cases-opened", "cases-by-location", "cases-by-occupational-group"]),
    ("Issues", ["issues-by-category", "issue-subcategories", "non-staff-issues"]),
    ("Utilization", ["utilization"]),
    (
        "Mediation",
        [
            "mediation-opened",
            "mediation-referral-sources",
            "mediation-outcomes",
            "mediation-resolution-rate",
        ],
    ),
    ("Outreach", ["outreach"]),
    ("Surveys", ["workplace-survey", "exit-survey"]),
    ("Systemic issues", ["systemic-issues"]),
    (
        "Workload and time to resolution",
        [
            "contacts-per-case",
            "mediation-contacts",
            "hours-per-office",
            "time-to-resolution",
            "mediation-time-to-resolution",
        ],
    ),
]

_STYLE = """
body{font-family:Helvetica,Arial,sans-serif;color:#1d1d1d;max-width:1100px;margin:2em auto;
padding:0 1em;line-height:1.4}
h1{color:#1f4e79;border-bottom:3px solid #1f4e79;padding-bottom:.2em}
h2{color:#1f4e79;margin-top:2em;border-bottom:1px solid #c8d3de}
h3{margin-bottom:.3em}
table{border-collapse:collapse;font-size:12px;margin:.5em 0 1em;overflow-x:auto;display:block}
th,td{border:1px solid #d9dee4;padding:3px 6px;text-align:right;white-space:nowrap}
th{background:#eef3f8}
td.label,th.label{text-align:left}
tr.focus td{background:#fff8e1;font-weight:bold}
.withheld{color:#999}
.note{font-size:12px;color:#555}
figure{margin:0 0 1em}
svg{max-width:100%;height:auto}
@media print{h2{page-break-before:always}}
"""


def _format(cell: dict[str, Any] | None) -> str:
    if not cell:
        return "0"
    if cell.get("suppressed"):
        return '<span class="withheld" title="withheld">&ndash;</span>'
    number = cell.get("count", cell.get("value"))
    if number is None:
        return ""
    text = f"{number:,}" if isinstance(number, int) else f"{number:g}"
    if cell.get("percent") is not None:
        text += f" <small>({cell['percent']:g}%)</small>"
    if cell.get("ci_low") is not None:
        text += f" <small>[{cell['ci_low']:g}&ndash;{cell['ci_high']:g}]</small>"
    if cell.get("participants") is not None:
        text += f" <small>/ {cell['participants']:,}</small>"
    return text


def table_html(table: Table, focus_year: int) -> str:
    """A statistic as an HTML table, the report's year highlighted."""
    labels = table.notes.get("labels", {})
    head = "".join(f'<th class="label">{html.escape(label)}</th>' for label in table.labels)
    head += "".join(
        f'<th title="{html.escape(str(labels.get(c, "")))}">{html.escape(c.replace("_", " "))}</th>'
        for c in table.columns
    )
    lines = []
    for row in table.rows:
        focus = ' class="focus"' if row.get("year") == focus_year else ""
        cells = "".join(f'<td class="label">{html.escape(str(row.get(lbl, "")))}</td>'
                        for lbl in table.labels)  # fmt: skip
        cells += "".join(f"<td>{_format(row['cells'].get(c))}</td>" for c in table.columns)
        if "top_three" in row:
            cells += f'<td class="label">top: {html.escape(", ".join(row["top_three"]))}</td>'
        lines.append(f"<tr{focus}>{cells}</tr>")
    legend = ""
    if labels:
        legend = (
            '<p class="note">'
            + "; ".join(
                f"{html.escape(code)}: {html.escape(str(text))}" for code, text in labels.items()
            )
            + "</p>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>{legend}"


async def chart(reader: Reader, table: Table, fmt: ChartFormat) -> bytes:
    """A statistic's chart, drawn once per distinct published table (drawing costs ~0.1 s
    of CPU; events that change no published figure, like most status changes, reuse it)."""
    content = json.dumps([table.statistic, table.title, table.columns, table.rows],
                         sort_keys=True, default=str)  # fmt: skip
    key = ("chart", fmt, hashlib.sha256(content.encode()).hexdigest())
    found: bytes | None = reader.cache.get(key)
    if found is None:
        # Drawing is CPU work: in a worker thread, off the event loop.
        found = await asyncio.to_thread(draw, table, fmt)
        reader.cache[key] = found
    return found


def _inline_svg(svg: bytes) -> str:
    text = svg.decode()
    return text[text.index("<svg") :]


async def render(reader: Reader, *, year: int, filters: Filters) -> str:
    """The annual report for `year`, with the trends of the years up to it."""
    if reader.published_through is not None and year > reader.published_through:
        raise ValidationFailed(
            f"The report for {year} is published once the year closes; "
            f"the last year published is {reader.published_through}."
        )
    trend = Filters(max(1990, year - TREND_YEARS + 1), year, filters.pillar, filters.office)
    tables: dict[str, Table] = {}
    for name in STATISTICS:
        if name == "utilization" and filters.office:
            continue  # headcounts are per pillar: no utilization for one office
        tables[name] = await STATISTICS[name](reader, trend)
    svg = {name: await chart(reader, table, "svg") for name, table in tables.items()}
    scope = (
        ", ".join(x for x in (filters.pillar and filters.pillar.value, filters.office) if x)
        or "all pillars and offices"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Annual report {year}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Ombudsman and Mediation Services: annual report {year}</h1>",
        f'<p class="note">Scope: {html.escape(scope)}. Trends cover {trend.from_year}&ndash;'
        f"{year}. De-identified statistics only. Counts below {reader.threshold}, and any "
        "count from which they could be recomputed, are withheld (&ndash;); so are "
        "percentages and rates built on them.</p>",
    ]
    for section, names in SECTIONS:
        shown = [n for n in names if n in tables]
        if not shown:
            continue
        parts.append(f"<h2>{html.escape(section)}</h2>")
        for name in shown:
            table = tables[name]
            parts.append(f'<section id="{name}"><h3>{html.escape(table.title)}</h3>')
            parts.append(f"<figure>{_inline_svg(svg[name])}</figure>")
            parts.append(table_html(table, year))
            parts.append("</section>")
    reported = await reported_in(
        reader.session, year=year, pillar=filters.pillar, office=filters.office
    )
    parts.append(register_html(reported, tables.get("systemic-issues"), year))
    parts.append("</body></html>")
    return "\n".join(parts)


def register_html(issues: list[ReportedIssue], tagged: Table | None, year: int) -> str:
    """The register entries the chief published, each with the year's count of cases
    tagged with its category (from the suppressed statistic: small counts withheld)."""
    parts = [
        '<div id="systemic-issue-register">',
        "<h3>Systemic issues reported to leadership</h3>",
    ]
    if not issues:
        parts.append('<p class="note">No entry of the register is published for this year.</p>')
    counts: dict[str, Any] = {}
    if tagged is not None:
        counts = next((r["cells"] for r in tagged.rows if r.get("year") == year), {})
    for issue in issues:
        history = ", ".join(
            f"{s['year']}: {str(s['status']).replace('_', ' ')}" for s in issue.status_by_year
        )
        parts += [
            '<article class="systemic-issue">',
            f"<h4>{html.escape(issue.title)}</h4>",
            f'<p class="note">{html.escape(SYSTEMIC_ISSUES[issue.category])}; first reported '
            f"{issue.first_reported_year}; status in {year}: "
            f"{html.escape(issue.status.replace('_', ' '))} ({html.escape(history)}); cases "
            f"tagged in {year}: {_format(counts.get(issue.category))}.</p>",
            f"<p><strong>Observation.</strong> {html.escape(issue.observation)}</p>",
        ]
        if issue.recommendation:
            parts.append(
                f"<p><strong>Recommendation.</strong> {html.escape(issue.recommendation)}</p>"
            )
        if issue.management_response:
            parts.append(
                "<p><strong>Management's response.</strong> "
                f"{html.escape(issue.management_response)}</p>"
            )
        parts.append("</article>")
    parts.append("</div>")
    return "\n".join(parts)
