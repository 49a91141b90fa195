"""The annual report as one self-contained HTML page, and the charts of every format.

Charts are inlined as SVG and all styling is in the one <style> element of the
head (no style attributes, no scripts): the page loads nothing from anywhere, so
it can be mailed or archived, and a Content-Security-Policy can allow exactly
that one stylesheet by its hash. In print, @page gives it page numbers and a
running header.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
from typing import Any

from analytics.register.service import ReportedIssue
from analytics.report.charts import ChartFormat, draw
from analytics.report.document import WITHHELD, AnnualReport, Grid, cell_text
from analytics.statistics.service import Reader
from analytics.statistics.tables import Table
from ombuds_shared.taxonomy import SYSTEMIC_ISSUES

_STYLE = """
body{font-family:Helvetica,Arial,sans-serif;color:#1d1d1d;max-width:1100px;margin:2em auto;
padding:0 1em;line-height:1.4}
h1{color:#1f4e79;border-bottom:3px solid #1f4e79;padding-bottom:.2em}
h2{color:#1f4e79;margin-top:2em;border-bottom:1px solid #c8d3de}
h3{margin-bottom:.3em}
.letterhead{font-size:14px;color:#555;margin:0}
.summary li{margin:.3em 0}
table{border-collapse:collapse;font-size:12px;margin:.5em 0 1em;width:100%;table-layout:fixed}
th,td{border:1px solid #d9dee4;padding:3px 5px;text-align:right;overflow-wrap:anywhere}
th{background:#eef3f8;font-weight:bold}
td.label,th.label{text-align:left}
tr.focus td,td.focus,th.focus{background:#fff8e1;font-weight:bold}
.withheld{color:#999}
.note{font-size:12px;color:#555}
figure{margin:0 0 1em;break-inside:avoid}
svg{max-width:100%;height:auto}
nav ol{columns:2}
@media print{
body{max-width:none;margin:0;padding:0}
h2{break-before:page}
table{font-size:9px}
tr{break-inside:avoid}
nav,.summary{break-after:page}
}
"""


def _css_string(text: str) -> str:
    """`text` as a CSS string literal: every character that is not a letter, digit or
    space is hex-escaped, so nothing in it can end the string or the style element."""
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'


def _page_style(report: AnnualReport) -> str:
    running = f"{report.organization} \u2013 {report.office} \u2013 {report.title}"
    return (
        "@page{size:A4;margin:2cm 1.6cm;"
        f"@top-center{{content:{_css_string(running)};font-size:8pt;color:#555}}"
        '@bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:8pt}}'
        "@page:first{@top-center{content:none}}"
    )


_FOCUS = ' class="focus"'


def grid_html(table: Grid) -> str:
    """A statistic's table: header, rows, withheld cells marked, the report's year shaded."""

    def cell(tag: str, text: str, index: int, focus: bool) -> str:
        classes = [c for c, on in (("label", index == 0), ("focus", focus)) if on]
        attr = f' class="{" ".join(classes)}"' if classes else ""
        if text == WITHHELD:
            text_html = '<span class="withheld" title="withheld">&ndash;</span>'
        else:
            text_html = html.escape(text)
        return f"<{tag}{attr}>{text_html}</{tag}>"

    head = "".join(
        cell("th", text, i, i == table.focus_column) for i, text in enumerate(table.header)
    )
    rows = []
    for r, line in enumerate(table.rows):
        focus_row = r == table.focus_row
        cells = "".join(cell("td", text, i, i == table.focus_column) for i, text in enumerate(line))
        rows.append(f"<tr{_FOCUS if focus_row else ''}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


async def chart(reader: Reader, table: Table, fmt: ChartFormat) -> bytes:
    """A statistic's chart, drawn once per distinct published table (events that change
    no published figure, like most status changes, reuse it)."""
    content = json.dumps([table.statistic, table.title, table.columns, table.rows],
                         sort_keys=True, default=str)  # fmt: skip
    key = ("chart", fmt, hashlib.sha256(content.encode()).hexdigest())
    found: bytes | None = reader.cache.get(key)
    if found is None:
        if fmt == "png":
            # matplotlib's rasterising is CPU work: in a worker thread, off the event loop.
            found = await asyncio.to_thread(draw, table, fmt)
        else:
            found = draw(table, fmt)  # writing markup: cheaper than a hop to a thread
        reader.cache[key] = found
    return found


async def charts(reader: Reader, report: AnnualReport, fmt: ChartFormat) -> dict[str, bytes]:
    """Every statistic's chart in `fmt`."""
    return {name: await chart(reader, table, fmt) for name, table in report.tables.items()}


def _paragraphs(texts: list[str], css: str = "") -> str:
    attr = f' class="{css}"' if css else ""
    return "".join(f"<p{attr}>{html.escape(t)}</p>" for t in texts)


def render_html(report: AnnualReport, svg: dict[str, bytes]) -> str:
    """The report as one HTML page."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(report.organization)}: {e(report.title)}</title>",
        f"<style>{_STYLE}{_page_style(report)}</style></head><body>",
        "<header>",
        f'<p class="letterhead">{e(report.organization)}</p>',
        f'<p class="letterhead">{e(report.office)}</p>',
        f"<h1>{e(report.title)}</h1>",
        f'<p class="note">Period: {e(report.period)}. Scope: {e(report.scope)}. Trends cover '
        f"{report.trend.from_year}&ndash;{report.year}. Produced on "
        f"{report.produced_on.isoformat()}.</p>",
        f'<p class="note">{e(report.disclosure_note)}</p>',
        "</header>",
        '<nav><h2 id="contents">Contents</h2><ol>',
        '<li><a href="#summary">Executive summary</a></li>',
        *(f'<li><a href="#section-{s.slug}">{e(s.title)}</a></li>' for s in report.sections),
        '<li><a href="#systemic-issue-register">Systemic issues reported to leadership</a></li>',
        "</ol></nav>",
        '<div class="summary"><h2 id="summary">Executive summary</h2>',
        _paragraphs(report.introduction),
        "<ul>",
        *(f"<li>{e(sentence)}</li>" for sentence in report.summary),
        "</ul></div>",
    ]
    for section in report.sections:
        parts.append(f'<h2 id="section-{section.slug}">{e(section.title)}</h2>')
        parts.append(_paragraphs(section.paragraphs))
        for item in section.items:
            parts.append(f'<section id="{item.statistic}"><h3>{e(item.title)}</h3>')
            if item.statistic in svg:
                parts.append(f"<figure>{svg[item.statistic].decode()}</figure>")
            parts.append(grid_html(item.grid))
            parts.append(_paragraphs(item.notes, "note"))
            parts.append("</section>")
    parts.append(register_html(report.register, report.register_counts(), report.year))
    parts.append("</body></html>")
    return "\n".join(parts)


def register_text(issue: ReportedIssue, counts: dict[str, Any], year: int) -> str:
    """An entry's status line: category, when first reported, status, cases tagged."""
    history = ", ".join(
        f"{s['year']}: {str(s['status']).replace('_', ' ')}" for s in issue.status_by_year
    )
    return (
        f"{SYSTEMIC_ISSUES[issue.category]}; first reported {issue.first_reported_year}; "
        f"status in {year}: {issue.status.replace('_', ' ')} ({history}); cases tagged in "
        f"{year}: {cell_text(counts.get(issue.category))}."
    )


def register_html(issues: list[ReportedIssue], counts: dict[str, Any], year: int) -> str:
    """The register entries the chief published, each with the year's count of cases
    tagged with its category (from the suppressed statistic: small counts withheld)."""
    parts = [
        '<div id="systemic-issue-register">',
        "<h2>Systemic issues reported to leadership</h2>",
    ]
    if not issues:
        parts.append('<p class="note">No entry of the register is published for this year.</p>')
    for issue in issues:
        status = html.escape(register_text(issue, counts, year)).replace(
            WITHHELD, '<span class="withheld" title="withheld">&ndash;</span>'
        )
        parts += [
            '<article class="systemic-issue">',
            f"<h4>{html.escape(issue.title)}</h4>",
            f'<p class="note">{status}</p>',
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
