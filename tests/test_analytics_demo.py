"""The analytics demo loads through the real ingress and API, and the report shows it."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from ombuds.demo_analytics import load_analytics_demo
from ombuds_testing import TestKeys

from .conftest import Stack
from .pipeline import served_gateway


async def test_the_demo_fills_the_annual_report(stack: Stack, keys: TestKeys,
                                                tmp_path: Path) -> None:  # fmt: skip
    data_dir = tmp_path / "demo"
    (data_dir / "keys").mkdir(parents=True)
    for name in ("cases", "mediation"):
        (data_dir / "keys" / f"{name}.pem").symlink_to(keys.key_file(name))
    (data_dir / "keys" / "dev-issuer.pem").symlink_to(tmp_path / "keys" / "dev-issuer.pem")
    lines: list[str] = []
    async with served_gateway(stack) as gateway:
        counts = await asyncio.to_thread(
            load_analytics_demo, gateway.url, data_dir, lines.append,
            years=2, cases_per_year=40,
        )  # fmt: skip
    # The cases came in through the import route, as an office's history does.
    assert counts["cases"] == 40 + 44
    assert counts["mediations"] == 40 // 8 + 44 // 8
    last = dt.datetime.now(dt.UTC).year - 1
    chief = stack.auth("chief")
    opened = await stack.gateway.get(
        "/v1/analytics/statistics/cases-opened",
        params={"from_year": last - 1, "to_year": last}, headers=chief,
    )  # fmt: skip
    totals = [row["cells"]["total"]["count"] for row in opened.json()["rows"]]
    assert totals == [40, 44]  # 40 a year, growing 12% a year
    report = await stack.gateway.get(f"/v1/analytics/reports/annual/{last}", headers=chief)
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert any("annual report" in line for line in lines)
    # A data folder has one demo history: loading it again adds nothing, unless asked.
    async with served_gateway(stack) as gateway:
        again = await asyncio.to_thread(
            load_analytics_demo, gateway.url, data_dir, lines.append,
            years=2, cases_per_year=40,
        )  # fmt: skip
    assert again["cases"] == 0
    assert any("--again" in line for line in lines)
