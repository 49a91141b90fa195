"""Charts of the statistics: SVG written directly (svg.py), PNG drawn with matplotlib.

What a chart shows is decided once (`plan`): its series, which cells are withheld (drawn
as gaps, never as numbers), the year ticks, its title and description. Two renderers
draw that plan: the SVG writer for the HTML page, the chart route and the PDF (vectors,
in milliseconds), and matplotlib's Agg backend for the PNG the Word report takes.

Every chart is made to be read where it is opened: year labels thinned so they never
overlap, titles wrapped, the withheld-cells note in a footer of its own, an explicit
"no data" instead of empty axes, the colour-blind-safe Okabe-Ito palette, and a
`<title>`/`<desc>` for screen readers. The SVG carries its presentation in attributes
(no `style` attributes, no `<style>` element), so it renders under a strict
content-security policy, inline in the report or on its own.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from analytics.report import svg
from analytics.report.svg import PALETTE
from analytics.statistics.tables import Table

ChartFormat = Literal["svg", "png"]
# How each statistic is best shown: stacked bars for trends by part, lines for rates,
# a pie for one year's distribution, horizontal bars for rankings, a forest plot for ratios.
KINDS: dict[str, str] = {
    "cases-opened": "stacked",
    "cases-by-location": "stacked",
    "cases-by-occupational-group": "stacked",
    "issues-by-category": "lines",
    "issue-subcategories": "lines",
    "utilization": "rates",
    "non-staff-issues": "bars",
    "mediation-opened": "grouped",
    "mediation-referral-sources": "pie",
    "mediation-outcomes": "pie",
    "mediation-resolution-rate": "rate",
    "outreach": "stacked",
    "workplace-survey": "forest",
    "exit-survey": "grouped",
    "systemic-issues": "bars",
    # Averages and medians over the years (hours-per-office: the line of every office together).
    "contacts-per-case": "lines",
    "mediation-contacts": "lines",
    "hours-per-office": "lines",
    "time-to-resolution": "lines",
    "mediation-time-to-resolution": "lines",
}


def _number(cell: dict[str, Any] | None) -> float | None:
    if not cell:
        return None
    value = cell.get("count", cell.get("value"))
    return None if value is None else float(value)


def _label(table: Table, column: str) -> str:
    labels = table.notes.get("labels", {})
    text = labels.get(column, column.replace("_", " "))
    return f"{column} {text}" if column in labels and column[:1].isdigit() else str(text)


# More series than this crowd the legend off the figure; the largest are drawn.
MAX_SERIES = 9


def _parts(table: Table) -> list[str]:
    parts = [c for c in table.columns if c != "total"]
    if len(parts) <= MAX_SERIES:
        return parts
    size = {c: sum(_number(row["cells"].get(c)) or 0.0 for row in table.rows) for c in parts}
    largest = set(sorted(parts, key=lambda c: -size[c])[:MAX_SERIES])
    return [c for c in parts if c in largest]


# At most this many year labels on an axis; more overlap at the chart's width.
MAX_YEAR_TICKS = 8
# Characters per title line at the chart's width and title size.
TITLE_WIDTH = 64
NO_DATA = "No data for this period"
NOTHING_PUBLISHABLE = "No figure published for this period: the groups are too small"
WITHHELD_NOTE = "Some cells withheld to protect small groups."
_KIND_WORDS = {
    "stacked": "Stacked bars",
    "lines": "Lines",
    "rates": "Lines of rates",
    "rate": "A line of the rate",
    "grouped": "Grouped bars",
    "bars": "Horizontal bars",
    "pie": "A pie chart",
    "forest": "Risk ratios with 95% intervals",
}


def year_ticks(years: list[int]) -> list[int]:
    """Every year when few, else every n-th counted back from the last (which the
    report is about), so the labels never overlap whatever the span."""
    years = sorted(set(years))  # rows per pillar repeat the year
    if len(years) <= MAX_YEAR_TICKS:
        return years
    step = math.ceil(len(years) / MAX_YEAR_TICKS)
    return sorted(years[::-1][::step])


@dataclass
class Series:
    """One drawn series: bars at `xs` (from `bottom` when stacked), or a line through them."""

    label: str
    xs: list[float]
    ys: Sequence[float | None]
    color: str
    bottom: list[float] | None = None
    width: float = 0.8


@dataclass
class Chart:
    """What a statistic's chart shows, decided once for every renderer (SVG and PNG)."""

    statistic: str
    kind: str
    title: str
    span: str
    withheld: bool = False
    series: list[Series] = field(default_factory=list)  # stacked, grouped, lines
    parts: list[tuple[str, float]] = field(default_factory=list)  # bars, pie
    ratios: list[tuple[str, float, float, float]] = field(default_factory=list)  # forest
    ticks: list[int] = field(default_factory=list)
    ylabel: str = ""
    xlabel: str = ""

    @property
    def shown(self) -> list[str]:
        return (
            [s.label for s in self.series]
            + [p for p, _ in self.parts]
            + [r[0] for r in self.ratios]
        )

    @property
    def title_lines(self) -> list[str]:
        """The title wrapped to the chart's width."""
        return textwrap.wrap(self.title, TITLE_WIDTH) or [self.title]

    @property
    def message(self) -> str | None:
        """Empty axes with a made-up scale read as a chart of zeros: say there is nothing."""
        if self.shown:
            return None
        return NOTHING_PUBLISHABLE if self.withheld else NO_DATA

    @property
    def note(self) -> str | None:
        return WITHHELD_NOTE if self.withheld and self.shown else None

    @property
    def description(self) -> str:
        return _description(self.kind, self.title, self.span, self.shown, self.withheld)


def plan(table: Table) -> Chart:
    """The chart of a statistic: its kind, series, ticks, title and withheld note."""
    kind = KINDS.get(table.statistic, "stacked")
    years = [row["year"] for row in table.rows]
    span = f"{years[0]}-{years[-1]}" if years else "no years"
    chart = Chart(table.statistic, kind, table.title, span, ticks=year_ticks(years))
    if kind == "stacked":
        bottom = [0.0] * len(years)
        for i, column in enumerate(_parts(table)):
            values = [_number(row["cells"].get(column)) for row in table.rows]
            chart.withheld |= any(v is None for v in values)
            heights = [v or 0.0 for v in values]
            if not any(heights):
                continue
            color = PALETTE[i % len(PALETTE)]
            at = [float(y) for y in years]
            chart.series.append(Series(_label(table, column), at, heights, color, bottom))
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        chart.ylabel = "count"
    elif kind in ("lines", "rate", "rates"):
        columns = _parts(table)
        if kind in ("rate", "rates"):
            columns = [c for c in columns if c.endswith("rate")]
        series: dict[str, dict[int, float | None]] = {}
        for row in table.rows:
            for column in columns:
                name = column if "pillar" not in row else f"{row['pillar']}: {column}"
                series.setdefault(name, {})[row["year"]] = _number(row["cells"].get(column))
        for i, (name, points) in enumerate(series.items()):
            xs = sorted(points)
            ys = [points[x] for x in xs]
            chart.withheld |= any(y is None for y in ys)
            if any(y is not None for y in ys):
                chart.series.append(Series(_label(table, name), [float(x) for x in xs], ys,
                                           PALETTE[i % len(PALETTE)]))  # fmt: skip
        chart.ylabel = "per 100 staff" if kind == "rates" else "%" if kind == "rate" else "count"
    elif kind == "grouped":
        parts = [c for c in _parts(table) if not c.startswith("participants")]
        width = 0.8 / max(1, len(parts))
        for i, column in enumerate(parts):
            values = [_number(row["cells"].get(column)) for row in table.rows]
            chart.withheld |= any(v is None for v in values)
            if not any(values):
                continue
            # Centred on the year, so the year's tick sits under its group.
            offset = (i - (len(parts) - 1) / 2) * width
            chart.series.append(Series(_label(table, column), [y + offset for y in years],
                                       [v or 0.0 for v in values], PALETTE[i % len(PALETTE)],
                                       width=width))  # fmt: skip
    elif kind in ("bars", "pie"):
        last: dict[str, Any] = table.rows[-1] if table.rows else {"cells": {}, "year": ""}
        latest = {c: _number(last["cells"].get(c)) for c in _parts(table)}
        chart.withheld = any(v is None for v in latest.values())
        chart.parts = [(_label(table, c), v) for c, v in latest.items() if v]
        chart.xlabel = "count" if kind == "bars" else ""
        if last["year"] != "":
            chart.title = f"{table.title}, {last['year']}"
    elif kind == "forest":
        last = table.rows[-1] if table.rows else {"cells": {}, "year": ""}
        ratios: list[tuple[str, dict[str, Any]]] = [
            (c.removeprefix("risk_ratio_"), last["cells"].get(c, {}))
            for c in table.columns
            if c.startswith("risk_ratio_")
        ]
        chart.ratios = [
            (name.replace("_", " "), cell["value"], cell["ci_low"], cell["ci_high"])
            for name, cell in ratios
            if cell.get("value") is not None
        ]
        chart.withheld = len(chart.ratios) < len(ratios)
        chart.xlabel = "risk ratio of conflict (95% interval)"
        if last["year"] != "":
            chart.title = f"{table.title}, {last['year']}"
    return chart


def draw(table: Table, fmt: ChartFormat = "svg") -> bytes:
    """The chart of a statistic, as SVG (written directly) or PNG (matplotlib) bytes."""
    chart = plan(table)
    if fmt == "svg":
        return svg.render(chart).encode()
    return _png(chart)


def _png(chart: Chart) -> bytes:
    """The chart as a PNG, for the Word report (which takes pictures, not vectors)."""
    figure = Figure(figsize=(8, 4.2), dpi=100, layout="constrained")
    axes = figure.subplots()
    for s in chart.series:
        if chart.kind in ("lines", "rate", "rates"):
            ys = [float("nan") if y is None else y for y in s.ys]
            axes.plot(s.xs, ys, marker="o", label=s.label, color=s.color)
        else:
            axes.bar(s.xs, [y or 0.0 for y in s.ys], width=s.width, bottom=s.bottom,
                     label=s.label, color=s.color)  # fmt: skip
    if chart.kind == "pie" and chart.parts:
        axes.pie([v for _, v in chart.parts], labels=[p for p, _ in chart.parts],
                 colors=PALETTE[: len(chart.parts)], autopct="%1.0f%%", startangle=90,
                 textprops={"fontsize": 8})  # fmt: skip
        axes.axis("equal")
    elif chart.kind == "bars" and chart.parts:
        names = chart.parts[::-1]
        axes.barh([p for p, _ in names], [v for _, v in names], color=PALETTE[0])
    for i, (_, value, low, high) in enumerate(chart.ratios):
        axes.errorbar([value], [i], xerr=[[value - low], [high - value]], fmt="o",
                      color=PALETTE[0], capsize=3)  # fmt: skip
    if chart.ratios:
        axes.set_yticks(range(len(chart.ratios)), [r[0] for r in chart.ratios])
        axes.axvline(1.0, color="#888888", linewidth=1, linestyle="--")
    if chart.ylabel and chart.series:
        axes.set_ylabel(chart.ylabel)
    if chart.xlabel and (chart.parts or chart.ratios):
        axes.set_xlabel(chart.xlabel)
    axes.set_title("\n".join(chart.title_lines), fontsize=11)
    if chart.message:
        axes.set_axis_off()
        axes.text(0.5, 0.5, chart.message, ha="center", va="center", fontsize=12,
                  color="#444444", transform=axes.transAxes)  # fmt: skip
    elif chart.series:
        axes.set_xticks(chart.ticks, [str(y) for y in chart.ticks])
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    if chart.note:
        # A figure-level footer: constrained layout keeps it clear of the axis labels.
        figure.supxlabel(chart.note, fontsize=7, color="#555555", x=0.01, ha="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    # No creation date or software banner in the file: the same data gives the same chart.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _description(kind: str, title: str, span: str, series: list[str], withheld: bool) -> str:
    if not series:
        return f"{title}, {span}: {(NOTHING_PUBLISHABLE if withheld else NO_DATA).lower()}."
    text = f"{_KIND_WORDS.get(kind, 'Chart')} of {title.lower()}, {span}: {', '.join(series)}."
    return text + (f" {WITHHELD_NOTE}" if withheld else "")
