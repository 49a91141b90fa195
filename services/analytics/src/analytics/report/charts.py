"""Charts of the statistics, SVG or PNG, drawn with matplotlib's Agg backend.

Figures are built with the object API (no pyplot state), so charts can be drawn
in worker threads at once. Withheld cells are drawn as gaps, never as numbers.
"""

from __future__ import annotations

import io
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from analytics.statistics.tables import Table

ChartFormat = Literal["svg", "png"]
PALETTE = ["#1f4e79", "#2e86c1", "#76b7b2", "#f28e2b", "#e15759", "#59a14f", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#4e79a7", "#a0cbe8", "#8cd17d",
           "#86bcb6"]  # fmt: skip

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


def draw(table: Table, fmt: ChartFormat = "svg") -> bytes:
    """The chart of a statistic, as SVG or PNG bytes."""
    kind = KINDS.get(table.statistic, "stacked")
    figure = Figure(figsize=(8, 4.2), dpi=100, layout="constrained")
    axes = figure.subplots()
    years = [row["year"] for row in table.rows]
    withheld = False
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
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axes.set_ylabel("count")
    elif kind in ("lines", "rate", "rates"):
        columns = _parts(table)
        if kind == "rate":
            columns = [c for c in columns if c.endswith("rate")]
        series: dict[str, dict[int, float | None]] = {}
        for row in table.rows:
            for column in columns:
                if kind == "rates" and not column.endswith("rate"):
                    continue
                name = column if "pillar" not in row else f"{row['pillar']}: {column}"
                series.setdefault(name, {})[row["year"]] = _number(row["cells"].get(column))
        for i, (name, points) in enumerate(series.items()):
            xs = sorted(points)
            ys = [points[x] for x in xs]
            withheld |= any(y is None for y in ys)
            if any(y is not None for y in ys):
                axes.plot(xs, [float("nan") if y is None else y for y in ys], marker="o",
                          label=_label(table, name), color=PALETTE[i % len(PALETTE)])  # fmt: skip
        axes.set_ylabel("per 100 staff" if kind == "rates" else "%" if kind == "rate" else "count")
    elif kind == "grouped":
        parts = [c for c in _parts(table) if not c.startswith("participants")]
        width = 0.8 / max(1, len(parts))
        for i, column in enumerate(parts):
            values = [_number(row["cells"].get(column)) for row in table.rows]
            withheld |= any(v is None for v in values)
            axes.bar([y + i * width for y in years], [v or 0.0 for v in values], width=width,
                     label=_label(table, column), color=PALETTE[i % len(PALETTE)])  # fmt: skip
    elif kind in ("bars", "pie"):
        last: dict[str, Any] = table.rows[-1] if table.rows else {"cells": {}, "year": ""}
        latest = {c: _number(last["cells"].get(c)) for c in _parts(table)}
        withheld = any(v is None for v in latest.values())
        shown = {c: v for c, v in latest.items() if v}
        if kind == "pie" and shown:
            axes.pie(list(shown.values()), labels=[_label(table, c) for c in shown],
                     colors=PALETTE[: len(shown)], autopct="%1.0f%%", startangle=90)  # fmt: skip
            axes.axis("equal")
        else:
            names = list(shown)[::-1]
            axes.barh([_label(table, c) for c in names], [shown[c] for c in names],
                      color=PALETTE[0])  # fmt: skip
            axes.set_xlabel("count")
        axes.set_title(f"{table.title}, {last['year']}", fontsize=11)
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
        axes.set_yticks(range(len(plotted)), [n.replace("_", " ") for n, _ in plotted])
        axes.axvline(1.0, color="#888888", linewidth=1, linestyle="--")
        axes.set_xlabel("risk ratio of conflict (95% interval)")
        axes.set_title(f"{table.title}, {last['year']}", fontsize=11)
    if kind not in ("bars", "pie", "forest"):
        axes.set_title(table.title, fontsize=11)
        if years:
            axes.set_xticks(years, [str(y) for y in years])
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    if withheld:
        figure.text(0.01, 0.01, "Some cells withheld to protect small groups.", fontsize=7,
                    color="#555555")  # fmt: skip
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: ChartFormat) -> dict[str, Any]:
    # No creation date or software banner in the file: the same data gives the same chart.
    return {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
