"""The annual report: its narrative, its formats (HTML, PDF, DOCX, ZIP of CSVs) and the
rule that a sentence never states a withheld figure.

Drawing the twenty charts is the slow part (seconds on a busy machine), so each
test asks one app for several formats: the app's cache draws each chart once.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pypdf

from analytics.report.router import REPORT_MEDIA, ReportFormat
from analytics.statistics.service import STATISTICS
from ombuds_testing import TestDatabases, TestKeys, app_client

from .conftest import Analytics, build, cells
from .test_recoding import office_2016  # noqa: F401 - the office's 2016 mediations
from .test_statistics import _answer, known  # noqa: F401 - the known dataset fixture

URL = "/v1/analytics/reports/annual/2024"
DOCX = REPORT_MEDIA[ReportFormat.DOCX]


class _Page(HTMLParser):
    """What a report page is made of: tags, links, styles and the summary's items."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.page_tags: list[str] = []  # outside the charts (their SVG is charts.py's)
        self.links: list[str] = []
        self.style_attributes = 0
        self.sections: list[str] = []
        self.summary: list[str] = []
        self._in_summary = False
        self._item: list[str] | None = None
        self._svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if not self._svg_depth:
            self.page_tags.append(tag)
        found = dict(attrs)
        self.links += [str(found[a]) for a in ("src", "href") if found.get(a)]
        # The page's own markup (the charts' SVG is charts.py's to style).
        self._svg_depth += tag == "svg"
        self.style_attributes += "style" in found and not self._svg_depth
        if tag == "section" and found.get("id"):
            self.sections.append(str(found["id"]))
        if tag == "div" and found.get("class") == "summary":
            self._in_summary = True
        if tag == "li" and self._in_summary:
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        self._svg_depth -= tag == "svg"
        if tag == "li" and self._item is not None:
            self.summary.append("".join(self._item))
            self._item = None
        if tag == "div":
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        if self._item is not None:
            self._item.append(data)


def _page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


async def test_every_format_holds_the_same_report(known: Analytics) -> None:  # noqa: F811
    # A fresh token per request: drawing the charts can outlast one token's lifetime.
    auth = known.auth
    html = await known.client.get(URL, headers=auth())
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    page = _page(html.text)
    # Self-contained: nothing fetched, no script, no style attribute, one stylesheet.
    assert [link for link in page.links if not link.startswith("#")] == []
    assert "script" not in page.tags
    assert page.style_attributes == 0
    assert page.page_tags.count("style") == 1
    assert set(page.sections) == set(STATISTICS)
    assert page.tags.count("svg") == page.tags.count("table") == len(STATISTICS)
    for text in ("United Nations", "Office of the United Nations Ombudsman and Mediation Services",
                 "Annual report 2024", "1 January \u2013 31 December 2024", "Produced on ",
                 "@page", "counter(pages)", "Contents"):  # fmt: skip
        assert text in html.text, text
    # Category labels in words, not codes.
    assert '<td class="label">Evaluative relationships</td>' in html.text
    assert any("opened 23 cases" in sentence for sentence in page.summary)

    pdf = await known.client.get(URL, params={"format": "pdf"}, headers=auth())
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    pages = [p.extract_text() for p in reader.pages]
    # Cover, contents, summary, then a page per section at least.
    assert len(pages) >= 3 + 8
    assert "Annual report 2024" in pages[0]
    assert "Produced on" in pages[0]
    assert "Contents" in pages[1]
    assert "Executive summary" in pages[1]
    assert "Mediation" in pages[1]  # the table of contents lists the sections
    assert f"Page 2 of {len(pages)}" in pages[1]
    assert "United Nations" in pages[2]  # the running header
    text = "\n".join(pages)
    assert "opened 23 cases" in " ".join(text.split())
    assert "Evaluative relationships" in text
    # Charts are vector drawings, not pictures.
    assert all(not p.images for p in reader.pages)
    titles = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert {"Executive summary", "Mediation"} <= set(titles)
    accepted = await known.client.get(URL, headers={**auth(), "Accept": "application/pdf"})
    assert accepted.headers["content-type"] == "application/pdf"

    word = await known.client.get(URL, headers={**auth(), "Accept": f"{DOCX}, text/html;q=0.5"})
    assert word.status_code == 200
    assert word.headers["content-type"] == DOCX
    assert 'filename="annual-report-2024.docx"' in word.headers["content-disposition"]
    document = docx.Document(io.BytesIO(word.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert {"Executive summary", "Cases opened per year, by pillar"} <= set(headings)
    assert len(document.tables) == len(STATISTICS)
    assert len(document.inline_shapes) == len(STATISTICS)  # every chart, as a picture
    opened = document.tables[0]
    assert [c.text for c in opened.rows[0].cells] == [
        "Year", "Secretariat", "Funds and programmes", "UNHCR", "Total",
    ]  # fmt: skip
    assert [c.text for c in opened.rows[-1].cells] == ["2024", "11", "5", "7", "23"]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "opened 23 cases" in body

    archive = await known.client.get(URL, params={"format": "zip"}, headers=auth())
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert sorted(z.namelist()) == sorted(f"{name}.csv" for name in STATISTICS)
        rows = list(csv.DictReader(io.StringIO(z.read("cases-opened.csv").decode())))
    assert {r["year"]: r["total"] for r in rows}["2024"] == "23"

    for accept in ("image/png", "text/html;q=0, application/json"):
        refused = await known.client.get(URL, headers={**auth(), "Accept": accept})
        assert refused.status_code == 406, accept
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("not-acceptable")
    unknown = await known.client.get(URL, params={"format": "xls"}, headers=auth())
    assert unknown.status_code == 422


async def test_the_executive_summary_states_the_hand_computed_figures(
    known: Analytics,  # noqa: F811
) -> None:
    a = known
    for pillar, international, national in (
        ("secretariat", 1000, 2500), ("funds_and_programmes", 500, 1000),
    ):  # fmt: skip
        response = await a.client.put(
            f"/v1/analytics/headcounts/2024/{pillar}",
            json={"international": international, "national": national}, headers=a.auth("chief"),
        )  # fmt: skip
        assert response.status_code == 200
    for kind, day, office, people in (
        ("workshop", "2024-02-01", "nairobi", 30), ("workshop", "2024-06-11", "nairobi", 20),
        ("town_hall", "2024-09-30", "geneva", 100),
    ):  # fmt: skip
        response = await a.client.post(
            "/v1/analytics/outreach", headers=a.auth(),
            json={"activity_type": kind, "held_on": day, "office": office, "participants": people},
        )  # fmt: skip
        assert response.status_code == 201, response.text
    answers = (
        [_answer(True, True, i < 5) for i in range(6)]
        + [_answer(False, True, i < 2) for i in range(4)]
        + [_answer(True, False, True) for _ in range(2)]
        + [_answer(False, False, i < 1) for i in range(8)]
    )
    response = await a.client.post(
        "/v1/analytics/surveys/workplace", json={"responses": answers}, headers=a.auth()
    )
    assert response.status_code == 201, response.text

    page = _page((await a.client.get(URL, headers=a.auth())).text)
    # By hand from the known dataset (test_statistics.py) and the figures loaded above.
    assert page.summary == [
        # 23 cases in 2024 (11 + 5 + 7) against 9 in 2023: +156%; Secretariat 11 vs 9: +22%.
        "In 2024 the Office opened 23 cases, up 156% on 2023 (9). By pillar: Secretariat 11, "
        "up 22% on 2023 (9); Funds and programmes 5 (none in 2023); UNHCR 7 (none in 2023).",
        # Category 2: 6 + 5 (funds' 2.b) = 11 of 23; 6: 7 of 23; 1 and 4: 5 each (1 first).
        "The three most frequent issue categories in 2024 were evaluative relationships "
        "(11 cases, 47.8% of cases), safety, health, well-being and physical environment "
        "(7 cases, 30.4% of cases) and compensation and benefits (5 cases, 21.7% of cases).",
        # Secretariat: 6 field service / 1000 and 5 general service / 2500; funds: 5 / 500.
        "Cases per 100 staff in 2024: Secretariat 0.6 per 100 internationally recruited staff "
        "and 0.2 per 100 nationally recruited staff; Funds and programmes 1 per 100 "
        "internationally recruited staff and 0 per 100 nationally recruited staff. "
        "No rate for UNHCR: no staff headcount is recorded.",
        # 5 group processes of 4 participants (tribunal, settled), 5 self-referred not settled.
        "The Mediation Service opened 10 cases in 2024 (none in 2023). Of these, 5 were group "
        "processes with 20 participants. Cases were referred by dispute tribunal (50%) and "
        "self referral (50%). Outcomes: settled 5 and not settled 5. The resolution rate of "
        "mediated cases was 50% (5 settled of 10 mediated and closed).",
        "The Office held 3 outreach activities in 2024 (workshop 2 and town hall 1), reaching "
        "150 participants.",
        # 8 of 20 with conflict, 10 of 20 stressed, (8 * 5 + 12 * 2) / 20 = 3.2 hours.
        "In 2024, 20 people answered the workplace survey: 40% had a workplace conflict in the "
        "last three months, 50% reported stress above what they consider acceptable and they "
        "spent on average 3.2 hours a week on conflict.",
        "Cases opened in 2024 were tagged with systemic issues: fear of speaking out (6 cases) "
        "and selection and recruitment (5 cases).",
    ]


async def test_no_sentence_states_a_withheld_figure_and_offices_write_their_texts(
    keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "introduction.txt.j2").write_text(
        "{{ office }} of {{ organization }} reports on {{ year }}.\n\n"
        "{{ summary.by_topic['cases'] }}\n"
    )
    app, url = await build(
        keys, databases, tmp_path, report_organization="Fondation Él\u00e9vation",
        report_office="Bureau du médiateur", report_templates_dir=texts,
    )  # fmt: skip
    async with app_client(app) as client:
        a = Analytics(client, keys, url)
        common = {"location": "headquarters", "group": "general_service", "issues": ("2.b",)}
        await a.cases(8, year=2024, pillar="secretariat", office="nairobi", **common)
        await a.cases(3, year=2024, pillar="unhcr", office="unhcr", **common)
        await a.cases(6, year=2023, pillar="secretariat", office="nairobi", **common)
        doc = await a.statistic("cases-opened", from_year=2023, to_year=2024)
        hidden = {p for p, n in cells(doc, 2024).items() if n is None}
        assert "unhcr" in hidden  # 3 cases: below the threshold of 5

        response = await client.get(URL, headers=a.auth())
        assert response.status_code == 200
        page = _page(response.text)
        sentence = next(s for s in page.summary if "cases" in s and "2024" in s)
        # The true counts of the withheld cells (UNHCR 3, and its complements) are never said.
        true_counts = {"secretariat": 8, "unhcr": 3, "total": 11}
        for pillar in hidden:
            assert not re.search(rf"\b{true_counts[pillar]}\b", sentence), sentence
        assert "UNHCR" in sentence
        assert "withheld" in sentence
        # The office's own introduction, with its letterhead, in every format.
        assert "<p>Bureau du médiateur of Fondation Él\u00e9vation reports on 2024.</p>" in (
            response.text
        )
        assert "Fondation Élévation" in response.text.split("</header>")[0]
        pdf = await client.get(URL, params={"format": "pdf"}, headers=a.auth())
        first = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "Fondation Élévation" in first
        assert "Bureau du médiateur" in first

        (texts / "cases.txt.j2").write_text("{{ no_such_figure }}")
        broken = await client.get(URL, params={"format": "zip"}, headers=a.auth())
        assert broken.status_code == 500
        assert "cases.txt.j2" in broken.json()["detail"]


async def test_the_summary_publishes_the_2016_resolution_rate_through_a_merge(
    office_2016: Analytics,  # noqa: F811
) -> None:
    """The office's own 2016 mediation figures (test_recoding.py): the one case resolved
    before mediation is merged into "did not proceed", so "not settled" (7) and the 89%
    rate that suppression alone would withhold are stated, and the merge is written under
    the outcomes table."""
    a = office_2016
    response = await a.client.get("/v1/analytics/reports/annual/2016", headers=a.auth())
    assert response.status_code == 200, response.text
    page = _page(response.text)
    mediation = next(s for s in page.summary if s.startswith("The Mediation Service"))
    # By hand from OFFICE_2016: 97 + 10 + 27 = 134 opened; groups 25, 16, 12 (settled) and
    # 12 (open) = 4 processes, 65 participants. Sources: tribunal 45 + 5 + 4 = 54 (40.3%),
    # self referral 27 + 3 + 1 + 1 + 6 + 2 + 8 + 2 + 3 = 53 (39.6%), the other offices
    # merged (ombudsman 10 + 11, management evaluation 1, staff legal assistance 2,
    # administration 3) = 27 (20.1%). Outcomes: did not proceed 45 + 1 + 2 + 11 = 59 (58
    # declined and the one resolved before mediation, merged), settled 10 + 27 + 3 + 6 + 8
    # + 3 = 57, open 4 + 1 + 1 + 2 + 3 = 11, not settled 5 + 2 = 7; rate 57 / 64 = 89.1%.
    assert mediation == (
        "The Mediation Service opened 134 cases in 2016 (none in 2015). Of these, 4 were "
        "group processes with 65 participants. Cases were referred by dispute tribunal "
        "(40.3%), self referral (39.6%) and referred by other offices (management evaluation, "
        "staff legal assistance, ombudsman, administration, other) (20.1%). Outcomes: did not "
        "proceed (a party declined, resolved before mediation, or withdrawn) 59, settled 57, "
        "open 11 and not settled 7. The resolution rate of mediated cases was 89.1% (57 "
        "settled of 64 mediated and closed)."
    )
    assert "are published together as did_not_proceed" in response.text
