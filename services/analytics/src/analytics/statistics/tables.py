"""A published statistic: labelled rows of cells, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

# A cell: {"count": n} or {"value": x}, with "percent" where it applies; a withheld
# cell has None in place of its numbers and "suppressed": True.
Cell = dict[str, Any]
_MAIN = frozenset({"count", "value", "suppressed"})


def counted(count: int | None, total: int | None = None) -> Cell:
    """A count cell, with its share of `total` when both are published."""
    cell: Cell = {"count": count}
    if total is not None or count is None:
        cell["percent"] = round(100 * count / total, 1) if count is not None and total else None
    if count is None:
        cell["suppressed"] = True
    return cell


def valued(value: float | None, suppressed: bool = False) -> Cell:
    cell: Cell = {"value": None if suppressed else value}
    if suppressed:
        cell["suppressed"] = True
    return cell


@dataclass
class Table:
    """One statistic as published: rows labelled by year (and pillar, ...), cells by column."""

    statistic: str
    title: str
    columns: list[str]
    labels: list[str] = field(default_factory=lambda: ["year"])
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, labels: dict[str, Any], cells: dict[str, Cell], **extra: Any) -> None:
        self.rows.append({**labels, "cells": cells, **extra})

    def to_json(self, *, threshold: int, filters: dict[str, Any]) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "title": self.title,
            "threshold": threshold,
            "filters": filters,
            "labels": self.labels,
            "columns": self.columns,
            "rows": self.rows,
            **({"notes": self.notes} if self.notes else {}),
        }

    def to_csv(self) -> str:
        """One line per row; a withheld cell is left empty; a cell's further figures
        (percent, participants, interval) get columns of their own, `<column>_<figure>`."""
        extras: dict[str, list[str]] = {}
        for column in self.columns:
            found = {k for row in self.rows for k in row["cells"].get(column, {}) if k not in _MAIN}
            extras[column] = sorted(found)
        header = list(self.labels)
        for column in self.columns:
            header += [column, *(f"{column}_{k}" for k in extras[column])]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in self.rows:
            line: list[Any] = [row.get(label, "") for label in self.labels]
            for column in self.columns:
                cell = row["cells"].get(column, {})
                for figure in (cell.get("count", cell.get("value")),
                               *(cell.get(k) for k in extras[column])):  # fmt: skip
                    line.append("" if figure is None else figure)
            writer.writerow(line)
        return out.getvalue()
