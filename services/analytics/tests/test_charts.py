"""Charts readable where they are opened: thinned year labels, an explicit "no data",
a title and a description, presentation as SVG attributes (renders under a strict CSP)."""

from __future__ import annotations

import itertools
import re

import pytest

from analytics.report.charts import MAX_YEAR_TICKS, NO_DATA, NOTHING_PUBLISHABLE, draw, year_ticks
from analytics.statistics.tables import Table


@pytest.mark.parametrize("span", [1, 2, 8, 9, 10, 17, 25, 50])
def test_year_labels_never_crowd_and_keep_the_last_year(span: int) -> None:
    years = list(range(2026 - span, 2026))
    ticks = year_ticks(years)
    assert 1 <= len(ticks) <= MAX_YEAR_TICKS
    assert ticks[-1] == 2025  # the year the report is about is always labelled
    assert len(set(b - a for a, b in itertools.pairwise(ticks))) <= 1  # even steps


def _table(statistic: str, rows: list[dict[str, object]], columns: list[str]) -> Table:
    table = Table(statistic, "Cases opened, by pillar, with a title long enough to wrap "
                  "twice at the chart's width", columns)  # fmt: skip
    table.rows = rows
    return table


def test_a_chart_is_an_accessible_svg_without_style_attributes() -> None:
    rows = [{"year": y, "cells": {"a": {"count": y % 7 + 5}, "b": {"count": None,
             "suppressed": True}, "total": {"count": 9}}} for y in range(1996, 2026)]  # fmt: skip
    svg = draw(_table("cases-opened", rows, ["a", "b", "total"])).decode()
    assert svg.startswith("<svg")
    assert " style=" not in svg
    assert "<style" not in svg
    assert re.search(r"<title id=\"chart-cases-opened-title\">Cases opened", svg)
    assert "<desc" in svg
    assert "1996-2025" in svg
    assert "withheld" in svg
    assert 'fill="#0072b2"' in svg.lower()  # Okabe-Ito's blue, as an attribute
    labels = re.findall(r">(19\d\d|20\d\d)</text>", svg)
    assert 1 < len(labels) <= MAX_YEAR_TICKS
    assert labels[-1] == "2025"


def test_an_empty_or_fully_withheld_chart_says_so_instead_of_drawing_empty_axes() -> None:
    empty = draw(_table("exit-survey", [], ["respondents"])).decode()
    assert NO_DATA in empty
    withheld = [{"year": 2025, "cells": {"respondents": {"value": None, "suppressed": True}}}]
    svg = draw(_table("exit-survey", withheld, ["respondents"])).decode()
    assert NOTHING_PUBLISHABLE in svg
    assert "0.04" not in svg  # no made-up axis scale
