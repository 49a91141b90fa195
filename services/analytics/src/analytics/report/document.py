"""The annual report's content, once, for every format (HTML, PDF, DOCX, ZIP of CSVs).

`build` reads every statistic through disclosure control, writes the executive
summary from the published cells and renders the office's section texts; the
renderers (annual.py, pdf.py, word.py) only lay out what it holds. A withheld
cell never reaches a sentence: summary.py reads cells through `figure()`, which
answers None for a withheld one, and says "withheld" instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from analytics.register.service import ReportedIssue, reported_in
from analytics.report.texts import Texts
from analytics.statistics.service import STATISTICS, Filters, Reader, publish
from analytics.statistics.tables import Table
from ombuds_shared.errors import ValidationFailed

TREND_YEARS = 10
# Tables show the last years of the trend (the chart shows all of it), and a table with
# more columns than this is turned on its side (years across), so it fits the page.
TABLE_YEARS = 5
MAX_COLUMNS = 7
WITHHELD = "\u2013"  # an en dash, as the office's own reports print a withheld cell

# Report sections in the order of the office's report to its governing body: (slug,
# title, statistics). The slug names the section's text template (templates/<slug>.txt.j2).
SECTIONS: list[tuple[str, str, list[str]]] = [
    ("cases", "Cases", ["cases-opened", "cases-by-location", "cases-by-occupational-group"]),
    ("issues", "Issues", ["issues-by-category", "issue-subcategories", "non-staff-issues"]),
    ("utilization", "Utilization", ["utilization"]),
    (
        "mediation",
        "Mediation",
        [
            "mediation-opened",
            "mediation-referral-sources",
            "mediation-outcomes",
            "mediation-resolution-rate",
        ],
    ),
    ("outreach", "Outreach", ["outreach"]),
    ("surveys", "Surveys", ["workplace-survey", "exit-survey"]),
    ("systemic-issues", "Systemic issues", ["systemic-issues"]),
    (
        "workload",
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
# Words for the values of the report's dimensions where capitalising the code is not enough.
WORDS: dict[str, str] = {
    "secretariat": "Secretariat",
    "funds_and_programmes": "Funds and programmes",
    "unhcr": "UNHCR",
    "total": "Total",
    "ombudsman": "Ombudsman",
    "ilo_administrative_tribunal": "ILO Administrative Tribunal",
    "world_bank_administrative_tribunal": "World Bank Administrative Tribunal",
}


def words(column: str, table: Table | None = None) -> str:
    """A column or value in words: the statistic's own labels first (IOA categories,
    sub-categories, systemic issues), then WORDS, then the code made readable."""
    labels = table.notes.get("labels", {}) if table is not None else {}
    if column in labels:
        text = str(labels[column])
        # A sub-category keeps its code ("2.b Respect/Treatment"): the labels repeat.
        return f"{column} {text}" if "." in column else text
    if column in WORDS:
        return WORDS[column]
    text = column.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def figure(cell: dict[str, Any] | None) -> float | int | None:
    """A cell's publishable number: None when withheld or absent."""
    if not cell or cell.get("suppressed"):
        return None
    value = cell.get("count", cell.get("value"))
    return value if isinstance(value, int | float) else None


def withheld(cell: dict[str, Any] | None) -> bool:
    return bool(cell and cell.get("suppressed"))


def row_of(table: Table | None, year: int, **labels: Any) -> dict[str, Any]:
    """The cells of a table's row for `year` (and labels), {} when there is none."""
    if table is None:
        return {}
    for row in table.rows:
        if row.get("year") == year and all(row.get(k) == v for k, v in labels.items()):
            return dict(row["cells"])
    return {}


def cell_text(cell: dict[str, Any] | None) -> str:
    """A cell as printed in a table: the number, its share, interval or participants."""
    if not cell:
        return "0"
    if cell.get("suppressed"):
        return WITHHELD
    number = cell.get("count", cell.get("value"))
    if number is None:
        return ""
    text = f"{number:,}" if isinstance(number, int) else f"{number:g}"
    if cell.get("percent") is not None:
        text += f" ({cell['percent']:g}%)"
    if cell.get("ci_low") is not None:
        text += f" [{cell['ci_low']:g}\u2013{cell['ci_high']:g}]"
    if cell.get("participants") is not None:
        text += f" / {cell['participants']:,}"
    return text


@dataclass
class Grid:
    """A statistic's table as printed: header and rows of text, the report's year marked."""

    header: list[str]
    rows: list[list[str]]
    focus_row: int | None = None  # the report's year, when years run down
    focus_column: int | None = None  # the report's year, when years run across


def notes_of(table: Table) -> list[str]:
    """The statistic's notes in sentences, whatever they are (labels are shown as words)."""
    found: list[str] = []
    for key, value in table.notes.items():
        if key in ("labels", "merged"):  # labels are shown as words; merges below
            continue
        if isinstance(value, str):
            found.append(value[:1].upper() + value[1:])
        elif isinstance(value, list | tuple):
            found += [str(v) for v in value if v]
        elif isinstance(value, dict):
            found += [f"{words(str(k), table)}: {v}" for k, v in value.items()]
        elif value is not None:
            found.append(f"{words(key)}: {value}")
    # Every merge and every withheld cell is stated under its table.
    if table.threshold is not None and (table.notes.get("merged") or table.withheld()):
        found += table.disclosure_lines(table.threshold)
    return found


def grid(table: Table, year: int) -> Grid:
    """The last TABLE_YEARS years of a statistic; wide statistics turned on their side."""
    first = year - TABLE_YEARS + 1
    rows = [r for r in table.rows if not isinstance(r.get("year"), int) or r["year"] >= first]
    if len(table.columns) > MAX_COLUMNS and table.labels == ["year"]:
        header = ["", *(str(r["year"]) for r in rows)]
        body = [
            [words(c, table), *(cell_text(r["cells"].get(c)) for r in rows)] for c in table.columns
        ]
        focus = next((i + 1 for i, r in enumerate(rows) if r.get("year") == year), None)
        return Grid(header, body, focus_column=focus)
    header = [words(label) for label in table.labels] + [words(c, table) for c in table.columns]
    body = []
    focus_row = None
    for r in rows:
        if r.get("year") == year and focus_row is None:
            focus_row = len(body)
        body.append(
            [words(str(r.get(label, ""))) if label != "year" else str(r["year"])
             for label in table.labels]
            + [cell_text(r["cells"].get(c)) for c in table.columns]
        )  # fmt: skip
    return Grid(header, body, focus_row=focus_row)


def _top_three(table: Table, year: int) -> list[str]:
    """The report year's top three categories in words, where the statistic ranks them."""
    for row in table.rows:
        if row.get("year") == year and row.get("top_three"):
            ranked = ", ".join(words(code, table) for code in row["top_three"])
            return [f"Most frequent in {year}: {ranked}."]
    return []


@dataclass
class Item:
    """One statistic in the report: its table, chart and notes."""

    statistic: str
    title: str
    table: Table
    grid: Grid
    notes: list[str]


@dataclass
class Section:
    slug: str
    title: str
    paragraphs: list[str]
    items: list[Item]


@dataclass
class AnnualReport:
    organization: str
    office: str
    year: int
    trend: Filters
    scope: str
    produced_on: dt.date
    threshold: int
    summary: list[str]
    introduction: list[str]
    sections: list[Section]
    register: list[ReportedIssue]
    tables: dict[str, Table] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Annual report {self.year}"

    @property
    def period(self) -> str:
        return f"1 January \u2013 31 December {self.year}"

    @property
    def disclosure_note(self) -> str:
        return (
            f"De-identified statistics only. Counts below {self.threshold}, and any count from "
            f"which they could be recomputed, are withheld ({WITHHELD}); so are percentages "
            "and rates built on them."
        )

    def register_counts(self) -> dict[str, Any]:
        """The cells of the report year's systemic-issue tags (withheld like any small cell)."""
        return row_of(self.tables.get("systemic-issues"), self.year)


async def build(
    reader: Reader, *, year: int, filters: Filters, organization: str, office: str, texts: Texts
) -> AnnualReport:
    """Everything the report says for `year`, with the trends of the years up to it."""
    from analytics.report.summary import executive_summary

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
        tables[name] = await publish(name, reader, trend)
    register = await reported_in(
        reader.session, year=year, pillar=filters.pillar, office=filters.office
    )
    scope = (
        ", ".join(x for x in (filters.pillar and words(filters.pillar.value), filters.office) if x)
        or "all pillars and offices"
    )
    summary = executive_summary(tables, year, register=register)
    context = {
        "organization": organization,
        "office": office,
        "year": year,
        "first_year": trend.from_year,
        "scope": scope,
        "threshold": reader.threshold,
        "summary": summary,
    }
    listed = {name for _, _, names in SECTIONS for name in names}
    # Statistics added to the registry after SECTIONS was written still reach the report.
    extra = [name for name in tables if name not in listed]
    sections = []
    for slug, title, names in [
        *SECTIONS,
        *([("other", "Other statistics", extra)] if extra else []),
    ]:
        shown = [n for n in names if n in tables]
        if not shown:
            continue
        items = [
            Item(n, tables[n].title, tables[n], grid(tables[n], year),
                 _top_three(tables[n], year) + notes_of(tables[n]))
            for n in shown
        ]  # fmt: skip
        sections.append(Section(slug, title, texts.paragraphs(slug, context), items))
    return AnnualReport(
        organization=organization,
        office=office,
        year=year,
        trend=trend,
        scope=scope,
        produced_on=dt.datetime.now(dt.UTC).date(),
        threshold=reader.threshold,
        summary=summary.sentences,
        introduction=texts.paragraphs("introduction", context),
        sections=sections,
        register=register,
        tables=tables,
    )
