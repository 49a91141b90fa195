"""The annual report as an editable Word document (DOCX), with python-docx (MIT).

Offices write their reports in Word: the document has real headings (so Word's
navigation pane and table of contents work), real tables and the charts as PNG
pictures (matplotlib draws them; Word's SVG support varies). A table-of-contents
field and a page-number field are placed for Word to fill in when it opens.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from analytics.report.annual import register_text
from analytics.report.document import AnnualReport, Grid


def _field(paragraph: Paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC), computed by Word when it shows the document."""
    run = paragraph.add_run()
    begin, separate, end = (OxmlElement("w:fldChar") for _ in range(3))
    begin.set(qn("w:fldCharType"), "begin")
    separate.set(qn("w:fldCharType"), "separate")
    end.set(qn("w:fldCharType"), "end")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    shown = OxmlElement("w:t")
    shown.text = placeholder
    for element in (begin, code, separate, shown, end):
        run._r.append(element)


def _page_break(document: WordDocument) -> None:
    document.add_page_break()  # type: ignore[no-untyped-call]


def _grid(document: WordDocument, grid: Grid) -> None:
    table = document.add_table(rows=1 + len(grid.rows), cols=len(grid.header))
    table.style = "Table Grid"
    # Row by row: table.cell(r, i) walks the whole table each time (seconds per report).
    for r, (row, line) in enumerate(zip(table.rows, [grid.header, *grid.rows], strict=True)):
        for i, (cell, text) in enumerate(zip(row.cells, line, strict=True)):
            cell.text = text
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT
            focus = (r > 0 and r - 1 == grid.focus_row) or i == grid.focus_column
            for run in paragraph.runs:
                run.font.size = Pt(7.5)
                run.font.bold = r == 0 or focus


def render_docx(report: AnnualReport, png: dict[str, bytes]) -> bytes:
    """The report as DOCX bytes."""
    document = Document()
    document.core_properties.title = f"{report.organization}: {report.title}"
    document.core_properties.author = report.office
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(1.8)
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)

    header = section.header.paragraphs[0]
    header.text = f"{report.organization} \u2013 {report.office} \u2013 {report.title}"
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Page ")
    _field(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES", "1")

    document.add_paragraph(report.organization)
    document.add_paragraph(report.office)
    document.add_heading(report.title, level=0)
    document.add_paragraph(f"Period: {report.period}")
    document.add_paragraph(f"Scope: {report.scope}; trends from {report.trend.from_year}")
    document.add_paragraph(f"Produced on {report.produced_on.isoformat()}")
    note = document.add_paragraph(report.disclosure_note)
    note.runs[0].font.size = Pt(8)

    document.add_heading("Contents", level=1)
    _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u',
           "Right-click and choose Update Field to show the table of contents.")  # fmt: skip

    _page_break(document)
    document.add_heading("Executive summary", level=1)
    for paragraph in report.introduction:
        document.add_paragraph(paragraph)
    for sentence in report.summary:
        document.add_paragraph(sentence, style="List Bullet")

    for part in report.sections:
        _page_break(document)
        document.add_heading(part.title, level=1)
        for paragraph in part.paragraphs:
            document.add_paragraph(paragraph)
        for item in part.items:
            document.add_heading(item.title, level=2)
            if item.statistic in png:
                document.add_picture(io.BytesIO(png[item.statistic]), width=Cm(16))
            _grid(document, item.grid)
            for text in item.notes:
                run = document.add_paragraph().add_run(text)
                run.font.size = Pt(8)
                run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    _page_break(document)
    document.add_heading("Systemic issues reported to leadership", level=1)
    if not report.register:
        document.add_paragraph("No entry of the register is published for this year.")
    counts = report.register_counts()
    for issue in report.register:
        document.add_heading(issue.title, level=2)
        document.add_paragraph(register_text(issue, counts, report.year))
        for label, text in (("Observation", issue.observation),
                            ("Recommendation", issue.recommendation),
                            ("Management's response", issue.management_response)):  # fmt: skip
            if text:
                labelled = document.add_paragraph()
                labelled.add_run(f"{label}. ").bold = True
                labelled.add_run(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
