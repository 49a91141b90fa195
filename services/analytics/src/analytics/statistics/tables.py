"""A published statistic: labelled rows of cells, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analytics.statistics.disclosure import Merge

# A cell: {"count": n} or {"value": x}, with "percent" where it applies; a withheld
# cell has None in place of its numbers and "suppressed": True.
Cell = dict[str, Any]
_MAIN = frozenset({"count", "value", "suppressed", "merged_into"})


def counted(count: int | None, total: int | None = None) -> Cell:
    """A count cell, with its share of `total` when both are published."""
    cell: Cell = {"count": count}
    if total is not None or count is None:
        cell["percent"] = round(100 * count / total, 1) if count is not None and total else None
    if count is None:
        cell["suppressed"] = True
    return cell


def merged_cell(into: str, total: int | None = None) -> Cell:
    """A category published, this year, as part of its neighbour `into` (global recoding)."""
    cell: Cell = {"count": None, "merged_into": into}
    if total is not None:
        cell["percent"] = None
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
    # The threshold it was protected at, once known (service.publish sets it).
    threshold: int | None = None

    def add(self, labels: dict[str, Any], cells: dict[str, Cell], **extra: Any) -> None:
        self.rows.append({**labels, "cells": cells, **extra})

    def record_merges(self, merges: Iterable[Merge], dimension: str, years: Iterable[int]) -> None:
        """Notes the recodings of `dimension` in the table's years (global recoding)."""
        wanted = set(years)
        found = self.notes.setdefault("merged", [])
        for m in merges:
            entry = {"year": m.year, "into": m.into, "members": list(m.members)}
            if m.dimension == dimension and m.year in wanted and entry not in found:
                found.append(entry)
        if not found:
            del self.notes["merged"]

    def withheld(self) -> list[dict[str, Any]]:
        """Every withheld cell, by its row labels and column. Which ones were small and
        which were withheld as complements is not said: that would tell the small ones."""
        return [
            {**{label: row.get(label) for label in self.labels}, "column": column}
            for row in self.rows
            for column in self.columns
            if row["cells"].get(column, {}).get("suppressed")
        ]

    def disclosure(self, threshold: int) -> dict[str, Any]:
        """The disclosure note of the table: its threshold, merges and withheld cells."""
        return {
            "threshold": threshold,
            "merged": self.notes.get("merged", []),
            "withheld": self.withheld(),
        }

    def disclosure_lines(self, threshold: int) -> list[str]:
        """The disclosure note in words, to print under the table (CSV, report)."""
        lines = [
            f"Counts from 1 to {threshold - 1} are withheld, and so are other cells where "
            "a withheld count could otherwise be recomputed from a total."
        ]
        for m in self.notes.get("merged", []):
            lines.append(
                f"{m['year']}: {', '.join(m['members'])} are published together as "
                f"{m['into']} (one of them had fewer than {threshold} cases)."
            )
        by_row: dict[str, list[str]] = {}
        for cell in self.withheld():
            row = " ".join(str(cell[label]) for label in self.labels)
            by_row.setdefault(row, []).append(cell["column"])
        for row, columns in by_row.items():
            lines.append(f"{row}: withheld {', '.join(columns)}.")
        return lines

    def to_json(self, *, threshold: int, filters: dict[str, Any]) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "title": self.title,
            "threshold": threshold,
            "filters": filters,
            "labels": self.labels,
            "columns": self.columns,
            "rows": self.rows,
            "notes": {**self.notes, "disclosure": self.disclosure(threshold)},
        }

    def to_csv(self, threshold: int | None = None) -> str:
        """One line per row; a withheld or merged cell is left empty; a cell's further
        figures (percent, participants, interval) get columns of their own,
        `<column>_<figure>`. Under the table, after an empty line, the disclosure note:
        one `note,<text>` line each."""
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
        threshold = threshold or self.threshold
        if threshold is not None:
            writer.writerow([])
            for text in self.disclosure_lines(threshold):
                writer.writerow(["note", text])
        return out.getvalue()
