"""The executive summary, written from the published cells of the statistics.

Every number comes through `figure()`, which answers None for a withheld cell;
a sentence then says the figure is withheld instead of stating it, and nothing
is derived from a withheld cell (no change on the year before, no share). The
statistics are read by column name, so a statistic that gains columns or notes
(merged categories, new breakdowns) flows through without change here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analytics.register.service import ReportedIssue
from analytics.report.document import figure, row_of, withheld, words
from analytics.statistics.tables import Table

# Sentences say why a figure is missing, in the same words everywhere.
WITHHELD_WHY = "withheld to protect confidentiality"


@dataclass
class Summary:
    """The summary's sentences, in order, and by topic (for the section templates)."""

    by_topic: dict[str, str] = field(default_factory=dict)

    @property
    def sentences(self) -> list[str]:
        return [s for s in self.by_topic.values() if s]


def number(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,g}"


def _percent(value: float) -> str:
    return f"{value:g}%"


def _listing(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _change(now: float | int | None, before: float | int | None, year: int) -> str:
    """ ", up 22% on 2023 (9)" when both years are published; "" otherwise."""
    if now is None or before is None:
        return ""
    if before == 0:
        return f" (none in {year - 1})" if now else ""
    change = round(100 * (now - before) / before)
    if change == 0:
        return f", as many as in {year - 1}"
    direction = "up" if change > 0 else "down"
    return f", {direction} {abs(change)}% on {year - 1} ({number(before)})"


def _published_parts(table: Table, cells: dict[str, Any]) -> tuple[list[tuple[str, Any]], int]:
    """The published non-zero parts of a row (largest first), and how many are withheld."""
    parts = [
        (c, cells[c]) for c in table.columns if c != "total" and figure(cells.get(c))
    ]  # fmt: skip
    parts.sort(key=lambda item: -(figure(item[1]) or 0))
    hidden = sum(withheld(cells.get(c)) for c in table.columns if c != "total")
    return parts, hidden


def _withheld_clause(hidden: int, noun: str) -> str:
    if not hidden:
        return ""
    return f"; the figure{'s' if hidden > 1 else ''} for {hidden} {noun} {'are' if hidden > 1 else 'is'} {WITHHELD_WHY}"  # noqa: E501


def cases(table: Table | None, year: int) -> str:
    if table is None:
        return ""
    now, before = row_of(table, year), row_of(table, year - 1)
    total = figure(now.get("total"))
    if total is None:
        opening = f"The number of cases opened in {year} is {WITHHELD_WHY}."
    else:
        opening = (
            f"In {year} the Office opened {number(total)} cases"
            f"{_change(total, figure(before.get('total')), year)}."
        )
    pillars = [c for c in table.columns if c != "total"]
    if len(pillars) < 2:
        return opening
    said, hidden = [], []
    for pillar in pillars:
        n = figure(now.get(pillar))
        if n is None:
            hidden.append(words(pillar))
            continue
        said.append(f"{words(pillar)} {number(n)}{_change(n, figure(before.get(pillar)), year)}")
    text = opening
    if said:
        text += " By pillar: " + "; ".join(said) + "."
    if hidden:
        text += f" The figure for {_listing(hidden)} is {WITHHELD_WHY}."
    return text


def issues(table: Table | None, year: int) -> str:
    if table is None:
        return ""
    cells = row_of(table, year)
    parts, hidden = _published_parts(table, cells)
    if not parts and not hidden:
        return f"No issue was recorded in {year}."
    top = []
    for column, cell in parts[:3]:
        share = f", {_percent(cell['percent'])} of cases" if cell.get("percent") is not None else ""
        top.append(f"{words(column, table).lower()} ({number(figure(cell) or 0)} cases{share})")
    text = ""
    if top:
        which = "three most frequent" if len(top) == 3 else "most frequent published"
        text = f"The {which} issue categories in {year} were {_listing(top)}."
    if hidden:
        text += (
            f" The count{'s' if hidden > 1 else ''} of {hidden} "
            f"categor{'ies' if hidden > 1 else 'y'} {'are' if hidden > 1 else 'is'} "
            f"{WITHHELD_WHY}, so the ranking is of the published ones."
        )
    return text.strip()


def utilization(table: Table | None, year: int) -> str:
    if table is None:
        return ""
    said, hidden, missing = [], [], []
    for row in table.rows:
        if row.get("year") != year:
            continue
        pillar = words(str(row.get("pillar", "")))
        rates = []
        for prefix, who in (("international", "internationally"), ("national", "nationally")):
            cell = row["cells"].get(f"{prefix}_rate")
            rate = figure(cell)
            if rate is not None:
                rates.append(f"{number(rate)} per 100 {who} recruited staff")
            elif withheld(cell):
                hidden.append(f"{who} recruited staff of {pillar}")
            elif pillar not in missing:
                missing.append(pillar)
        if rates:
            said.append(f"{pillar} {' and '.join(rates)}")
    text = f"Cases per 100 staff in {year}: {'; '.join(said)}." if said else ""
    if hidden:
        text += f" The rate for {_listing(hidden)} is {WITHHELD_WHY}."
    if missing:
        text += f" No rate for {_listing(missing)}: no staff headcount is recorded."
    return text.strip()


def mediation(tables: dict[str, Table], year: int) -> str:
    opened = row_of(tables.get("mediation-opened"), year)
    if not opened:
        return ""
    sentences = []
    n = figure(opened.get("opened"))
    if n is None:
        sentences.append(f"The number of mediation cases opened in {year} is {WITHHELD_WHY}.")
    else:
        before = figure(row_of(tables.get("mediation-opened"), year - 1).get("opened"))
        sentences.append(
            f"The Mediation Service opened {number(n)} cases in {year}{_change(n, before, year)}."
        )
    groups = opened.get("group_processes")
    people = opened.get("participants_in_group_processes")
    if figure(groups):
        with_people = f" with {number(figure(people) or 0)} participants" if figure(people) else ""
        sentences.append(
            f"Of these, {number(figure(groups) or 0)} were group processes{with_people}."
        )
    elif withheld(groups):
        sentences.append(f"The number of group processes is {WITHHELD_WHY}.")
    sources = tables.get("mediation-referral-sources")
    if sources is not None:
        parts, hidden = _published_parts(sources, row_of(sources, year))
        listed = [
            f"{words(c, sources).lower()} ({_percent(cell['percent'])})"
            if cell.get("percent") is not None
            else f"{words(c, sources).lower()} ({number(figure(cell) or 0)})"
            for c, cell in parts
        ]
        if listed:
            sentences.append(
                f"Cases were referred by {_listing(listed)}"
                f"{_withheld_clause(hidden, 'referral sources')}."
            )
        elif hidden:
            sentences.append(f"The referral sources are {WITHHELD_WHY}.")
    outcomes = tables.get("mediation-outcomes")
    if outcomes is not None:
        parts, hidden = _published_parts(outcomes, row_of(outcomes, year))
        listed = [f"{words(c, outcomes).lower()} {number(figure(cell) or 0)}" for c, cell in parts]
        if listed:
            sentences.append(f"Outcomes: {_listing(listed)}{_withheld_clause(hidden, 'outcomes')}.")
        elif hidden:
            sentences.append(f"The outcomes are {WITHHELD_WHY}.")
    rate = row_of(tables.get("mediation-resolution-rate"), year)
    if rate:
        value = figure(rate.get("resolution_rate"))
        settled, not_settled = figure(rate.get("settled")), figure(rate.get("not_settled"))
        if value is not None:
            of = ""
            if settled is not None and not_settled is not None:
                of = f" ({number(settled)} settled of {number(settled + not_settled)} mediated and closed)"  # noqa: E501
            sentences.append(f"The resolution rate of mediated cases was {_percent(value)}{of}.")
        elif withheld(rate.get("resolution_rate")):
            sentences.append(f"The resolution rate of mediated cases is {WITHHELD_WHY}.")
        else:
            sentences.append(f"No mediated case closed in {year}, so there is no resolution rate.")
    return " ".join(sentences)


def outreach(table: Table | None, year: int) -> str:
    cells = row_of(table, year)
    if table is None or not cells:
        return ""
    total = cells.get("total", {})
    if not figure(total):
        return f"No outreach activity is recorded for {year}."
    parts, _ = _published_parts(table, cells)
    kinds = [f"{words(c).lower()} {number(figure(cell) or 0)}" for c, cell in parts]
    return (
        f"The Office held {number(figure(total) or 0)} outreach activities in {year} "
        f"({_listing(kinds)}), reaching {number(total.get('participants') or 0)} participants."
    )


def surveys(tables: dict[str, Table], year: int) -> str:
    sentences = []
    workplace = row_of(tables.get("workplace-survey"), year)
    if workplace:
        respondents = workplace.get("respondents")
        if withheld(respondents):
            sentences.append(f"The workplace survey results of {year} are {WITHHELD_WHY}.")
        elif figure(respondents):
            found = []
            for column, what in (
                ("conflict_share", "had a workplace conflict in the last three months"),
                ("stressed_share", "reported stress above what they consider acceptable"),
            ):
                share = figure(workplace.get(column))
                if share is not None:
                    found.append(f"{_percent(share)} {what}")
                elif withheld(workplace.get(column)):
                    found.append(f"the share of those who {what} is {WITHHELD_WHY}")
            hours = figure(workplace.get("mean_hours"))
            if hours is not None:
                found.append(f"they spent on average {number(hours)} hours a week on conflict")
            people = number(figure(respondents) or 0)
            answered = f"In {year}, {people} people answered the workplace survey"
            sentences.append(f"{answered}: {_listing(found)}." if found else f"{answered}.")
        else:
            sentences.append(f"No workplace survey was held in {year}.")
    exit_row = row_of(tables.get("exit-survey"), year)
    if exit_row:
        respondents = exit_row.get("respondents")
        if withheld(respondents):
            sentences.append(f"The exit survey results of {year} are {WITHHELD_WHY}.")
        elif figure(respondents):
            found = [f"{number(figure(respondents) or 0)} visitors answered the exit survey"]
            share = figure(exit_row.get("would_recommend_share"))
            if share is not None:
                found.append(f"{_percent(share)} would recommend the Office")
            elif withheld(exit_row.get("would_recommend_share")):
                found.append(f"the share who would recommend the Office is {WITHHELD_WHY}")
            sentences.append(_listing(found)[:1].upper() + _listing(found)[1:] + ".")
    return " ".join(sentences)


def systemic(table: Table | None, register: list[ReportedIssue], year: int) -> str:
    sentences = []
    if table is not None:
        parts, hidden = _published_parts(table, row_of(table, year))
        listed = [
            f"{words(c, table).lower()} ({number(figure(cell) or 0)} cases)" for c, cell in parts
        ]
        if listed:
            sentences.append(
                f"Cases opened in {year} were tagged with systemic issues: {_listing(listed)}"
                f"{_withheld_clause(hidden, 'systemic issues')}."
            )
        elif hidden:
            sentences.append(f"The counts of cases tagged with systemic issues are {WITHHELD_WHY}.")
    if register:
        sentences.append(
            f"The Office reports {len(register)} systemic issue"
            f"{'s' if len(register) > 1 else ''} to leadership this year."
        )
    return " ".join(sentences)


def executive_summary(
    tables: dict[str, Table], year: int, *, register: list[ReportedIssue]
) -> Summary:
    """The summary's sentences, in the order of the office's report."""
    return Summary(
        {
            "cases": cases(tables.get("cases-opened"), year),
            "issues": issues(tables.get("issues-by-category"), year),
            "utilization": utilization(tables.get("utilization"), year),
            "mediation": mediation(tables, year),
            "outreach": outreach(tables.get("outreach"), year),
            "surveys": surveys(tables, year),
            "systemic-issues": systemic(tables.get("systemic-issues"), register, year),
        }
    )
