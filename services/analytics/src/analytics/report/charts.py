"""Charts of the statistics, SVG or PNG, drawn with matplotlib's Agg backend.

Figures are built with the object API (no pyplot state), so charts can be drawn
in worker threads at once. Withheld cells are drawn as gaps, never as numbers.

Every chart is made to be read where it is opened: year labels thinned so they never
overlap, titles wrapped, the withheld-cells note in a footer of its own, an explicit
"no data" instead of empty axes, the colour-blind-safe Okabe-Ito palette, and a
`<title>`/`<desc>` for screen readers. The SVG carries its presentation in attributes
(no `style` attributes, no `<style>` element), so it renders under a strict
content-security policy, inline in the report or on its own.
"""

from __future__ import annotations

import html
import io
import math
import re
import textwrap
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from analytics.statistics.tables import Table

ChartFormat = Literal["svg", "png"]
# Okabe & Ito (2008), "Color Universal Design": told apart with any colour vision;
# yellow last among the colours (weak on white), then black and grey.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000",
           "#F0E442", "#999999"]  # fmt: skip
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


def _title(text: str) -> str:
    return "\n".join(textwrap.wrap(text, TITLE_WIDTH)) or text


def draw(table: Table, fmt: ChartFormat = "svg") -> bytes:
    """The chart of a statistic, as SVG or PNG bytes."""
    kind = KINDS.get(table.statistic, "stacked")
    figure = Figure(figsize=(8, 4.2), dpi=100, layout="constrained")
    axes = figure.subplots()
    years = [row["year"] for row in table.rows]
    withheld = False
    shown_series: list[str] = []  # what is drawn, for the description
    title = table.title
    if kind == "stacked":
        bottom = [0.0] * len(years)
        for i, column in enumerate(_parts(table)):
            values = [_number(row["cells"].get(column)) for row in table.rows]
            withheld |= any(v is None for v in values)
            heights = [v or 0.0 for v in values]
            if not any(heights):
                continue
            axes.bar(years, heights, bottom=bottom, label=_label(table, column),
                     color=PALETTE[i % len(PALETTE)])  # fmt: skip
            shown_series.append(_label(table, column))
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axes.set_ylabel("count")
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
            withheld |= any(y is None for y in ys)
            if any(y is not None for y in ys):
                axes.plot(xs, [float("nan") if y is None else y for y in ys], marker="o",
                          label=_label(table, name), color=PALETTE[i % len(PALETTE)])  # fmt: skip
                shown_series.append(_label(table, name))
        axes.set_ylabel("per 100 staff" if kind == "rates" else "%" if kind == "rate" else "count")
    elif kind == "grouped":
        parts = [c for c in _parts(table) if not c.startswith("participants")]
        width = 0.8 / max(1, len(parts))
        for i, column in enumerate(parts):
            values = [_number(row["cells"].get(column)) for row in table.rows]
            withheld |= any(v is None for v in values)
            if not any(values):
                continue
            # Centred on the year, so the year's tick sits under its group.
            offset = (i - (len(parts) - 1) / 2) * width
            axes.bar([y + offset for y in years], [v or 0.0 for v in values], width=width,
                     label=_label(table, column), color=PALETTE[i % len(PALETTE)])  # fmt: skip
            shown_series.append(_label(table, column))
    elif kind in ("bars", "pie"):
        last: dict[str, Any] = table.rows[-1] if table.rows else {"cells": {}, "year": ""}
        latest = {c: _number(last["cells"].get(c)) for c in _parts(table)}
        withheld = any(v is None for v in latest.values())
        shown = {c: v for c, v in latest.items() if v}
        shown_series = [_label(table, c) for c in shown]
        if kind == "pie" and shown:
            axes.pie(list(shown.values()), labels=[_label(table, c) for c in shown],
                     colors=PALETTE[: len(shown)], autopct="%1.0f%%", startangle=90,
                     textprops={"fontsize": 8})  # fmt: skip
            axes.axis("equal")
        elif shown:
            names = list(shown)[::-1]
            axes.barh([_label(table, c) for c in names], [shown[c] for c in names],
                      color=PALETTE[0])  # fmt: skip
            axes.set_xlabel("count")
        if last["year"] != "":
            title = f"{table.title}, {last['year']}"
    elif kind == "forest":
        last = table.rows[-1] if table.rows else {"cells": {}, "year": ""}
        ratios: list[tuple[str, dict[str, Any]]] = [
            (c.removeprefix("risk_ratio_"), last["cells"].get(c, {}))
            for c in table.columns
            if c.startswith("risk_ratio_")
        ]
        plotted = [(name, cell) for name, cell in ratios if cell.get("value") is not None]
        withheld = len(plotted) < len(ratios)
        for i, (_, cell) in enumerate(plotted):
            axes.errorbar(
                [cell["value"]], [i],
                xerr=[[cell["value"] - cell["ci_low"]], [cell["ci_high"] - cell["value"]]],
                fmt="o", color=PALETTE[0], capsize=3,
            )  # fmt: skip
        shown_series = [n.replace("_", " ") for n, _ in plotted]
        if plotted:
            axes.set_yticks(range(len(plotted)), shown_series)
            axes.axvline(1.0, color="#888888", linewidth=1, linestyle="--")
            axes.set_xlabel("risk ratio of conflict (95% interval)")
        if last["year"] != "":
            title = f"{table.title}, {last['year']}"
    axes.set_title(_title(title), fontsize=11)
    if not shown_series:
        # Empty axes with a made-up scale read as a chart of zeros: say there is nothing.
        axes.set_axis_off()
        message = NOTHING_PUBLISHABLE if withheld else NO_DATA
        axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=12,
                  color="#444444", transform=axes.transAxes)  # fmt: skip
    elif kind not in ("bars", "pie", "forest"):
        ticks = year_ticks(years)
        axes.set_xticks(ticks, [str(y) for y in ticks])
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    if withheld and shown_series:
        # A figure-level footer: constrained layout keeps it clear of the axis labels.
        figure.supxlabel(WITHHELD_NOTE, fontsize=7, color="#555555", x=0.01, ha="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    # Text stays text in the SVG (readable, searchable, smaller). Ids are fixed by the
    # statistic: the same data gives the same file, and charts inline in one page differ.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": table.statistic}):
        figure.savefig(buffer, format=fmt, metadata=_metadata(fmt))
    if fmt == "png":
        return buffer.getvalue()
    span = f"{years[0]}-{years[-1]}" if years else "no years"
    description = _description(kind, title, span, shown_series, withheld)
    return accessible_svg(buffer.getvalue().decode(), title, description, table.statistic).encode()


def _description(kind: str, title: str, span: str, series: list[str], withheld: bool) -> str:
    if not series:
        return f"{title}, {span}: {(NOTHING_PUBLISHABLE if withheld else NO_DATA).lower()}."
    text = f"{_KIND_WORDS.get(kind, 'Chart')} of {title.lower()}, {span}: {', '.join(series)}."
    return text + (f" {WITHHELD_NOTE}" if withheld else "")


_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"\s*<style[^>]*>.*?</style>", re.DOTALL)
_PROLOGUE = re.compile(r"\A.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def _as_attributes(match: re.Match[str]) -> str:
    """`style="fill: #fff; stroke: #000"` as `fill="#fff" stroke="#000"`: every property
    matplotlib writes is also an SVG presentation attribute of the same name."""
    attributes = []
    for declaration in html.unescape(match.group(1)).split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() and value.strip():
            attributes.append(f' {name.strip()}="{html.escape(value.strip())}"')
    return "".join(attributes)


def accessible_svg(svg: str, title: str, description: str, name: str) -> str:
    """matplotlib's SVG with its presentation as attributes, and a title and description."""
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE_ATTRIBUTE.sub(_as_attributes, svg)
    # The one rule of matplotlib's <style> element, as inherited attributes on the root;
    # role and aria-labelledby name the chart for screen readers, inline or on its own.
    opening_end = svg.index(">") + 1
    uid = "chart-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    opening = svg[: opening_end - 1] + (
        f' role="img" aria-labelledby="{uid}-title {uid}-desc"'
        ' stroke-linejoin="round" stroke-linecap="butt">'
    )
    accessible = (
        f'\n <title id="{uid}-title">{html.escape(title)}</title>'
        f'\n <desc id="{uid}-desc">{html.escape(description)}</desc>'
    )
    return opening + accessible + svg[opening_end:]


def _metadata(fmt: ChartFormat) -> dict[str, Any]:
    # No creation date or software banner in the file: the same data gives the same chart.
    return {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
