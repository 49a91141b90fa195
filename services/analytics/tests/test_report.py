"""Charts (SVG and PNG) for every statistic, and the annual report as one HTML page."""

from __future__ import annotations

from html.parser import HTMLParser

from analytics.statistics.service import STATISTICS

from .conftest import Analytics
from .test_statistics import known  # noqa: F401 - the known dataset fixture

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sources: list[str] = []
        self.sections: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        for attribute in ("src", "href"):
            if found.get(attribute):
                self.sources.append(str(found[attribute]))
        if tag == "section" and found.get("id"):
            self.sections.append(str(found["id"]))


async def test_every_statistic_has_a_chart(known: Analytics) -> None:  # noqa: F811
    for name in STATISTICS:
        url, auth = f"/v1/analytics/charts/{name}", known.auth()
        params = {"from_year": 2020, "to_year": 2024}
        svg = await known.client.get(url, params=params, headers=auth)
        assert svg.status_code == 200, svg.text
        assert svg.headers["content-type"] == "image/svg+xml"
        assert "<svg" in svg.text
        png = await known.client.get(url, params={**params, "format": "png"}, headers=auth)
        assert png.headers["content-type"] == "image/png", name
        assert png.content.startswith(PNG_SIGNATURE), name


NOT_YET_IN_THE_REPORT = {
    "cases-by-intake-channel", "mediation-issue-categories", "group-processes", "survey-coverage",
}  # fmt: skip


async def test_the_annual_report_is_one_self_contained_page(known: Analytics) -> None:  # noqa: F811
    response = await known.client.get("/v1/analytics/reports/annual/2024", headers=known.auth())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    parsed = _Collector()
    parsed.feed(page)
    assert parsed.sources == []  # nothing fetched from anywhere: charts are inline SVG
    # The statistics of issue 16's item 6 join the report's sections with the narrative
    # report (analytics/report/annual.py is being rebuilt); until then, every other one.
    shown = set(STATISTICS) - NOT_YET_IN_THE_REPORT
    assert set(parsed.sections) == shown
    assert parsed.tags.count("svg") == len(shown)
    assert parsed.tags.count("table") == len(shown)
    assert "annual report 2024" in page
    assert "2015&ndash;2024" in page  # ten years of trend up to the report's year
    # The year's figures are in it: 23 cases opened in 2024.
    assert (
        '<tr class="focus"><td class="label">2024</td><td>11</td><td>5</td><td>7</td><td>23</td>'
        in page
    )
    one_pillar = await known.client.get(
        "/v1/analytics/reports/annual/2024", params={"pillar": "unhcr"}, headers=known.auth()
    )
    assert "Scope: unhcr" in one_pillar.text
    office = await known.client.get(
        "/v1/analytics/reports/annual/2024", params={"office": "nairobi"}, headers=known.auth()
    )
    assert office.status_code == 200
    assert 'id="utilization"' not in office.text
    assert (await known.client.get("/v1/analytics/reports/annual/2024",
                                   headers=known.auth("ombudsman"))).status_code == 403  # fmt: skip
