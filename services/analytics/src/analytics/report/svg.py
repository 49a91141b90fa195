"""A small SVG writer for the charts of the report: bars, lines, a pie, a forest plot.

It writes a chart planned by charts.plan as plain markup, with as few elements as the
picture needs (fpdf2 lays out every element of a PDF chart). Presentation is all in
attributes, text stays text (searchable in the PDF, where fpdf2 sets it in the DejaVu
Sans it embeds), and the same chart gives the same bytes.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.report.charts import Chart

# Okabe & Ito (2008), "Color Universal Design": told apart with any colour vision;
# yellow last among the colours (weak on white), then black and grey.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000",
           "#F0E442", "#999999"]  # fmt: skip
WIDTH, HEIGHT = 800, 420
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
INK, MUTED, GRID = "#1d1d1d", "#555555", "#e3e3e3"
# A rough advance per character of DejaVu Sans, as a share of the font size: enough to
# keep labels clear of each other and of the plot, which is all the layout needs.
ADVANCE = 0.6
TRENDS = ("stacked", "grouped", "lines", "rate", "rates")


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, content: str, size: float = 11, anchor: str = "start",
          fill: str = INK, extra: str = "") -> str:  # fmt: skip
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT}" font-size="{_n(size)}" '
        f'text-anchor="{anchor}" fill="{fill}"{extra}>{html.escape(content)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1,
          extra: str = "") -> str:  # fmt: skip
    return (
        f'<path d="M{_n(x1)} {_n(y1)}L{_n(x2)} {_n(y2)}" fill="none" stroke="{stroke}" '
        f'stroke-width="{_n(width)}"{extra}/>'
    )


def _segments(
    segments: Iterable[tuple[float, float, float, float]], stroke: str, width: float = 1
) -> str:
    """Straight segments of one stroke as one path."""
    d = "".join(f"M{_n(a)} {_n(b)}L{_n(c)} {_n(e)}" for a, b, c, e in segments)
    if not d:
        return ""
    return f'<path d="{d}" fill="none" stroke="{stroke}" stroke-width="{_n(width)}"/>'


def _boxes(boxes: Iterable[tuple[float, float, float, float]], fill: str) -> str:
    """Rectangles (x, y, width, height) of one colour as one path: a series' bars."""
    d = "".join(f"M{_n(x)} {_n(y)}h{_n(w)}v{_n(h)}h{_n(-w)}Z" for x, y, w, h in boxes)
    if not d:
        return ""
    return f'<path d="{d}" fill="{fill}"/>'


def _axes(left: float, top: float, right: float, bottom: float) -> str:
    return _segments([(left, bottom, right, bottom), (left, top, left, bottom)], INK)


def _fit(text: str, size: float, room: float) -> str:
    """`text` cut with an ellipsis to fit `room` pixels (the table under the chart has it whole)."""
    most = max(4, int(room / (size * ADVANCE)))
    return text if len(text) <= most else text[: most - 1].rstrip() + "\u2026"


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round values from at most `low` to at least `high`, steps of 1, 2, 2.5 or 5 x 10^k."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    count = math.ceil((high - first) / step - 1e-9)
    return [first + i * step for i in range(count + 1)]


def _tick_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


class _Scale:
    def __init__(self, domain: tuple[float, float], span: tuple[float, float]) -> None:
        self.d0, self.d1 = domain
        self.r0, self.r1 = span

    def __call__(self, value: float) -> float:
        return self.r0 + (value - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)


def _legend(entries: Iterable[tuple[str, str, bool]], x: float, y: float, room: float) -> list[str]:
    out = []
    for i, (label, color, line) in enumerate(entries):
        top = y + i * 16
        if line:
            out.append(_line(x, top + 5, x + 14, top + 5, color, 2))
        else:
            out.append(f'<rect x="{_n(x)}" y="{_n(top)}" width="11" height="11" fill="{color}"/>')
        out.append(_text(x + 18, top + 10, _fit(label, 10, room - 18), size=10))
    return out


def _trend(chart: Chart, left: float, top: float, right: float, bottom: float) -> list[str]:
    """Bars (stacked or grouped) or lines over the years, with their axes and legend."""
    lines = chart.kind in ("lines", "rate", "rates")
    values = [
        (s.bottom[i] if s.bottom else 0.0) + y
        for s in chart.series
        for i, y in enumerate(s.ys)
        if y is not None
    ]
    ticks = nice_ticks(0.0, max([*values, 0.0]))
    xs = [x for s in chart.series for x in s.xs] + [float(t) for t in chart.ticks]
    x = _Scale((min(xs) - 0.6, max(xs) + 0.6), (left, right))
    y = _Scale((ticks[0], ticks[-1]), (bottom, top))
    out = [_segments([(left, y(v), right, y(v)) for v in ticks], GRID)]
    for value in ticks:
        out.append(_text(left - 6, y(value) + 4, _tick_text(value), size=10, anchor="end"))
    for s in chart.series:
        if lines:
            runs: list[list[tuple[float, float]]] = [[]]
            for px, py in zip(s.xs, s.ys, strict=True):
                if py is None:
                    runs.append([])  # a withheld year is a gap in the line
                else:
                    runs[-1].append((x(px), y(py)))
            for run in runs:
                if len(run) > 1:
                    d = "M" + "L".join(f"{_n(a)} {_n(b)}" for a, b in run)
                    out.append(f'<path d="{d}" fill="none" stroke="{s.color}" stroke-width="2"/>')
                out += [f'<circle cx="{_n(a)}" cy="{_n(b)}" r="3.5" fill="{s.color}"/>'
                        for a, b in run]  # fmt: skip
            continue
        half = (x(s.width) - x(0)) / 2
        bases = s.bottom or [0.0] * len(s.ys)
        boxes = [
            (x(px) - half, y(base + py), 2 * half, y(base) - y(base + py))
            for px, py, base in zip(s.xs, s.ys, bases, strict=True)
            if py
        ]
        out.append(_boxes(boxes, s.color))
    out.append(_axes(left, top, right, bottom))
    out.append(_segments([(x(t), bottom, x(t), bottom + 4) for t in chart.ticks], INK))
    for year in chart.ticks:
        out.append(_text(x(year), bottom + 17, str(year), size=10, anchor="middle"))
    if chart.ylabel:
        middle = (top + bottom) / 2
        out.append(_text(14, middle, chart.ylabel, size=10, anchor="middle",
                         extra=f' transform="rotate(-90 14 {_n(middle)})"'))  # fmt: skip
    out += _legend(((s.label, s.color, lines) for s in chart.series), right + 14, top,
                   WIDTH - right - 20)  # fmt: skip
    return out


def _bars(chart: Chart, left: float, top: float, right: float, bottom: float) -> list[str]:
    """Horizontal bars, one per part, the first at the top."""
    ticks = nice_ticks(0.0, max(v for _, v in chart.parts))
    x = _Scale((0.0, ticks[-1]), (left, right))
    band = (bottom - top) / len(chart.parts)
    out = [_segments([(x(v), top, x(v), bottom) for v in ticks], GRID)]
    for value in ticks:
        out.append(_text(x(value), bottom + 17, _tick_text(value), size=10, anchor="middle"))
    tops = [top + i * band + band * 0.1 for i in range(len(chart.parts))]
    widths = [x(value) - left for _, value in chart.parts]
    boxes = [(left, y0, w, band * 0.8) for y0, w in zip(tops, widths, strict=True)]
    out.append(_boxes(boxes, PALETTE[0]))
    for y0, (label, _) in zip(tops, chart.parts, strict=True):
        out.append(_text(left - 6, y0 + band * 0.4 + 4, _fit(label, 10, left - 16), size=10,
                         anchor="end"))  # fmt: skip
    out.append(_axes(left, top, right, bottom))
    if chart.xlabel:
        out.append(_text((left + right) / 2, bottom + 34, chart.xlabel, size=10, anchor="middle"))
    return out


def _pie(chart: Chart, top: float, bottom: float) -> list[str]:
    """A pie from the top, counter-clockwise, each wedge labelled with its share."""
    total = sum(v for _, v in chart.parts)
    radius = (bottom - top) / 2 - 22
    cx, cy = WIDTH / 2, (top + bottom) / 2
    out = []
    angle = math.pi / 2
    for i, (label, value) in enumerate(chart.parts):
        sweep = 2 * math.pi * value / total
        color = PALETTE[i % len(PALETTE)]
        if len(chart.parts) == 1:
            out.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius)}" fill="{color}"/>')
        else:
            x1, y1 = cx + radius * math.cos(angle), cy - radius * math.sin(angle)
            end = angle + sweep
            x2, y2 = cx + radius * math.cos(end), cy - radius * math.sin(end)
            large = 1 if sweep > math.pi else 0
            out.append(
                f'<path d="M{_n(cx)} {_n(cy)}L{_n(x1)} {_n(y1)}A{_n(radius)} {_n(radius)} 0 '
                f'{large} 0 {_n(x2)} {_n(y2)}Z" fill="{color}" stroke="#ffffff"/>'
            )
        middle = angle + sweep / 2
        cos, sin = math.cos(middle), math.sin(middle)
        out.append(_text(cx + 0.6 * radius * cos, cy - 0.6 * radius * sin + 4,
                         f"{100 * value / total:.0f}%", size=10, anchor="middle"))  # fmt: skip
        out.append(_text(cx + 1.08 * radius * cos, cy - 1.08 * radius * sin + 4,
                         _fit(label, 10, WIDTH / 2 - radius - 30), size=10,
                         anchor="start" if cos >= 0 else "end"))  # fmt: skip
        angle += sweep
    return out


def _forest(chart: Chart, left: float, top: float, right: float, bottom: float) -> list[str]:
    """Risk ratios as points with their 95% intervals, against a dashed line at 1."""
    low = min([1.0, *(r[2] for r in chart.ratios)])
    high = max([1.0, *(r[3] for r in chart.ratios)])
    ticks = nice_ticks(low, high)
    x = _Scale((ticks[0], ticks[-1]), (left, right))
    band = (bottom - top) / len(chart.ratios)
    out = [_segments([(x(v), top, x(v), bottom) for v in ticks], GRID)]
    for value in ticks:
        out.append(_text(x(value), bottom + 17, _tick_text(value), size=10, anchor="middle"))
    out.append(_line(x(1.0), top, x(1.0), bottom, "#888888", extra=' stroke-dasharray="4 3"'))
    # The first ratio at the bottom, as the rows of a forest plot are read upwards.
    for i, (label, value, ci_low, ci_high) in enumerate(chart.ratios):
        cy = bottom - (i + 0.5) * band
        whisker = [(x(ci_low), cy, x(ci_high), cy)]
        whisker += [(x(end), cy - 4, x(end), cy + 4) for end in (ci_low, ci_high)]
        out.append(_segments(whisker, PALETTE[0], 1.5))
        out.append(f'<circle cx="{_n(x(value))}" cy="{_n(cy)}" r="4" fill="{PALETTE[0]}"/>')
        out.append(_text(left - 6, cy + 4, _fit(label, 10, left - 16), size=10, anchor="end"))
    out.append(_axes(left, top, right, bottom))
    out.append(_text((left + right) / 2, bottom + 34, chart.xlabel, size=10, anchor="middle"))
    return out


def render(chart: Chart) -> str:
    """The chart as a standalone SVG document (also inlined as is in the HTML report)."""
    uid = "chart-" + re.sub(r"[^a-z0-9]+", "-", chart.statistic.lower()).strip("-")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{uid}-title {uid}-desc">',
        f'<title id="{uid}-title">{html.escape(chart.title)}</title>',
        f'<desc id="{uid}-desc">{html.escape(chart.description)}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    title = chart.title_lines
    for i, line in enumerate(title):
        parts.append(_text(WIDTH / 2, 24 + 18 * i, line, size=15, anchor="middle"))
    top = 24 + 18 * len(title)
    # Room under the plot: tick labels, an axis label, then the withheld note as a footer.
    bottom = HEIGHT - 30 - (18 if chart.xlabel else 0) - (18 if chart.note else 0)
    if chart.message:
        parts.append(_text(WIDTH / 2, (top + HEIGHT) / 2, chart.message, size=16,
                           anchor="middle", fill="#444444"))  # fmt: skip
    elif chart.kind in TRENDS:
        longest = max(len(s.label) for s in chart.series)
        legend = min(230.0, longest * 10 * ADVANCE + 40)
        parts += _trend(chart, 64, top, WIDTH - legend, bottom)
    elif chart.kind == "pie":
        parts += _pie(chart, top, bottom)
    else:
        names = [p for p, _ in chart.parts] or [r[0] for r in chart.ratios]
        left = min(WIDTH * 0.4, max(len(n) for n in names) * 10 * ADVANCE + 16)
        drawn = _bars if chart.kind == "bars" else _forest
        parts += drawn(chart, max(left, 60), top + 6, WIDTH - 30, bottom)
    if chart.note:
        parts.append(_text(10, HEIGHT - 10, chart.note, size=10, fill=MUTED))
    parts.append("</svg>")
    return "\n".join(p for p in parts if p)
