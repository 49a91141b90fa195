"""The annual report, a chart and the printable certificate, served by the gateway and
opened in Chromium: styled, charts drawn, no CSP violation, nothing fetched elsewhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ombuds import system
from ombuds.demo_analytics import load_analytics_demo
from ombuds.demo_mediation import load_mediation_demo
from ombuds.tokens import dev_token

pytestmark = pytest.mark.e2e

LAST_YEAR = dt.datetime.now(dt.UTC).year - 1


@pytest.fixture(scope="module")
def loaded(running_system: system.System) -> system.System:
    gateway = running_system.url("gateway")
    load_mediation_demo(gateway, running_system.data_dir, report=lambda _: None)
    load_analytics_demo(gateway, running_system.data_dir, report=lambda _: None,
                        years=3, cases_per_year=60)  # fmt: skip
    return running_system


def _chief(running: system.System, office: str = "new-york") -> str:
    return dev_token(running.data_dir, role="chief", office=office)


def _drawn_charts(page: Any) -> list[dict[str, Any]]:
    """Each inline chart's size, how many of its shapes are painted in a colour (a chart
    whose presentation was blocked paints everything black or nothing), and whether it
    says it has no data instead."""
    return page.evaluate(
        """() => [...document.querySelectorAll('svg')].map(svg => {
            const box = svg.getBoundingClientRect();
            const painted = [...svg.querySelectorAll('path, rect, text, use')].filter(el => {
                const fill = getComputedStyle(el).fill;
                return fill !== 'none' && fill !== 'rgb(0, 0, 0)';
            }).length;
            const empty = /No data|No figure published/.test(svg.textContent);
            return {width: box.width, height: box.height, painted, empty};
        })"""
    )


def test_the_annual_report_renders_with_its_styles_and_charts(
    loaded: system.System, watched: Callable[..., Any]
) -> None:
    seen = watched(f"/v1/analytics/reports/annual/{LAST_YEAR}", _chief(loaded))
    seen.screenshot("annual-report", full_page=False)
    seen.assert_clean()
    page = seen.page
    # The stylesheet applied: headings in the report's blue, not the browser's black.
    assert page.eval_on_selector("h1", "h => getComputedStyle(h).color") == "rgb(31, 78, 121)"
    charts = _drawn_charts(page)
    assert len(charts) >= 15
    for chart in charts:
        assert chart["width"] > 300, chart
        assert chart["height"] > 150, chart
        # More than the two white backgrounds: bars, lines, markers or a no-data line.
        assert chart["empty"] or chart["painted"] > 2, chart
    assert sum(not chart["empty"] for chart in charts) >= 10  # the demo's years are drawn
    titles = page.eval_on_selector_all("svg > title", "ts => ts.map(t => t.textContent)")
    assert len(titles) == len(charts)
    assert all(titles)


def test_a_chart_opened_on_its_own_is_drawn(
    loaded: system.System, watched: Callable[..., Any]
) -> None:
    seen = watched("/v1/analytics/charts/cases-opened", _chief(loaded))
    seen.assert_clean()
    (chart,) = _drawn_charts(seen.page)
    assert chart["width"] > 300
    assert chart["height"] > 150
    assert not chart["empty"]
    assert chart["painted"] > 10
    # No screenshot of a bare SVG document: Playwright's capture of one never finishes;
    # the report's screenshot shows the same charts inline.
    assert seen.page.eval_on_selector("svg > desc", "d => d.textContent").startswith("Stacked")


def test_the_printable_certificate_renders_and_its_signature_fits_the_page(
    loaded: system.System, watched: Callable[..., Any]
) -> None:
    gateway = loaded.url("gateway")
    chief = _chief(loaded, "mediation-service")
    auth = {"Authorization": f"Bearer {chief}"}
    mediations = httpx.get(f"{gateway}/v1/mediations", headers=auth, timeout=10).json()["items"]
    certificate_id = None
    for mediation in mediations:
        issued = httpx.get(f"{gateway}/v1/mediations/{mediation['id']}/certificates",
                           headers=auth, timeout=10).json()  # fmt: skip
        if issued:
            certificate_id = issued[0]["id"]
            break
    assert certificate_id is not None
    seen = watched(f"/v1/certificates/{certificate_id}/printable", chief)
    seen.screenshot("printable-certificate")
    seen.assert_clean()
    page = seen.page
    assert page.eval_on_selector("body", "b => getComputedStyle(b).fontFamily").startswith(
        "Georgia"
    )
    # The JWS wraps inside the page instead of running off it.
    jws = page.eval_on_selector("#jws", "e => [e.scrollWidth, e.clientWidth, e.offsetHeight]")
    assert jws[0] <= jws[1], jws
    assert jws[2] > 40, jws
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
