"""The annual report as a paginated PDF: cover, table of contents, summary, sections.

Drawn with fpdf2 (pure Python, LGPL-3.0): charts go in as SVG and stay vectors,
the table of contents is filled in once the pages are known, every page after
the cover carries a running header and "Page n of N". The font is the DejaVu
Sans that matplotlib ships (Unicode, so en dashes and accented office names print),
so nothing is needed from the system.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace, TextStyle
from fpdf.enums import Align, TableHeadingsDisplay
from fpdf.outline import TableOfContents

from analytics.report.annual import register_text
from analytics.report.document import AnnualReport, Grid

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
# Named as the charts' SVG names it first (svg.FONT), so their words are set in it too.
FONT = "DejaVu Sans"
BLUE = (31, 78, 121)
FOCUS = FontFace(emphasis="BOLD", fill_color=(255, 248, 225))
TOC_LINES_PER_PAGE = 55  # 8.5 pt at 1.3 line spacing on an A4 page under its title
HEADING = FontFace(emphasis="BOLD", fill_color=(238, 243, 248))
# fpdf2 skips a chart's <title> and <desc> (its accessible name) with a warning each.
logging.getLogger("fpdf.svg").setLevel(logging.ERROR)


class _Pdf(FPDF):
    def __init__(self, report: AnnualReport) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report = report
        self.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(18, 20, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(f"{report.organization}: {report.title}")
        self.set_author(report.office)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=7)
        self.set_text_color(90)
        self.set_y(8)
        running = (
            f"{self.report.organization} \u2013 {self.report.office} \u2013 {self.report.title}"
        )
        self.cell(0, 5, running, align="C")
        self.set_y(20)
        self.set_text_color(0)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def text_block(self, text: str, size: float = 9.5, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)

    def heading(self, text: str, level: int) -> None:
        if level == 0:
            self.add_page()
        elif self.will_page_break(60):
            self.add_page()  # a statistic's title stays with its chart
        self.start_section(text, level=level)
        self.set_text_color(*BLUE)
        self.text_block(text, size=15 if level == 0 else 11.5, bold=True)
        self.set_text_color(0)

    def grid(self, grid: Grid) -> None:
        """A table that fits the page: the first column wider, the others shared."""
        self.set_font(FONT, size=7)
        columns = len(grid.header)
        first = min(48.0, self.epw * 0.3) if columns > 1 else self.epw
        rest = (self.epw - first) / max(1, columns - 1)
        with self.table(
            col_widths=(first, *([rest] * (columns - 1))),
            text_align=("LEFT", *(["RIGHT"] * (columns - 1))),
            headings_style=HEADING,
            line_height=3.6,
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
            width=self.epw,
        ) as table:
            heading = table.row()
            for i, text in enumerate(grid.header):
                heading.cell(text, style=FOCUS if i == grid.focus_column else None)
            for r, line in enumerate(grid.rows):
                row = table.row()
                for i, text in enumerate(line):
                    focus = r == grid.focus_row or i == grid.focus_column
                    row.cell(text, style=FOCUS if focus else None)
        self.ln(2)


def render_pdf(report: AnnualReport, svg: dict[str, bytes]) -> bytes:
    """The report as PDF bytes."""
    pdf = _Pdf(report)
    pdf.add_page()  # the cover
    pdf.set_y(60)
    pdf.text_block(report.organization, size=13)
    pdf.text_block(report.office, size=13)
    pdf.ln(8)
    pdf.set_text_color(*BLUE)
    pdf.text_block(report.title, size=26, bold=True)
    pdf.set_text_color(0)
    pdf.text_block(f"Period: {report.period}")
    pdf.text_block(f"Scope: {report.scope}; trends from {report.trend.from_year}")
    pdf.text_block(f"Produced on {report.produced_on.isoformat()}")
    pdf.ln(6)
    pdf.text_block(report.disclosure_note, size=8)

    pdf.add_page()
    pdf.start_section("Contents", level=0)
    pdf.set_text_color(*BLUE)
    pdf.text_block("Contents", size=15, bold=True)
    pdf.set_text_color(0)
    toc = TableOfContents(text_style=TextStyle(font_family=FONT, font_size_pt=8.5),
                          line_spacing=1.3)  # fmt: skip
    # The entries are known now, so the contents get the pages they need up front (pages
    # inserted later would put the printed page numbers out of step with the pages).
    entries = 2 + sum(1 + len(s.items) for s in report.sections) + len(report.register)
    pdf.insert_toc_placeholder(toc.render_toc, pages=1 + entries // TOC_LINES_PER_PAGE)

    pdf.heading("Executive summary", 0)
    for paragraph in report.introduction:
        pdf.text_block(paragraph)
    for sentence in report.summary:
        pdf.text_block(f"\u2022 {sentence}")

    for section in report.sections:
        pdf.heading(section.title, 0)
        for paragraph in section.paragraphs:
            pdf.text_block(paragraph)
        for item in section.items:
            pdf.heading(item.title, 1)
            if item.statistic in svg:
                pdf.image(io.BytesIO(svg[item.statistic]), w=pdf.epw * 0.85, x=Align.C)
                pdf.ln(2)
            pdf.grid(item.grid)
            for note in item.notes:
                pdf.text_block(note, size=7.5)

    pdf.heading("Systemic issues reported to leadership", 0)
    if not report.register:
        pdf.text_block("No entry of the register is published for this year.")
    counts = report.register_counts()
    for issue in report.register:
        pdf.heading(issue.title, 1)
        pdf.text_block(register_text(issue, counts, report.year), size=8)
        pdf.text_block(f"Observation. {issue.observation}")
        if issue.recommendation:
            pdf.text_block(f"Recommendation. {issue.recommendation}")
        if issue.management_response:
            pdf.text_block(f"Management's response. {issue.management_response}")
    return bytes(pdf.output())
