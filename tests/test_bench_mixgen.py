"""The open-loop generator the load benchmarks rely on (bench/mixgen.py, run as its own
process): it keeps its schedule and counts what the server answered, shed requests and
slow answers included."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from fastapi import FastAPI, Response

from ombuds_testing import serve_app

ROOT = Path(__file__).resolve().parents[1]


def _server() -> FastAPI:
    app = FastAPI()

    @app.get("/fast")
    async def fast() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(0.2)
        return {"status": "ok"}

    @app.post("/full")
    async def full() -> Response:
        return Response(status_code=503, headers={"Retry-After": "1"})

    return app


async def test_the_generator_keeps_its_rate_and_counts_every_answer(tmp_path: Path) -> None:
    async with serve_app(_server()) as url:
        plan = [
            {"name": "fast", "weight": 2, "method": "GET", "urls": [url + "/fast"]},
            {"name": "slow", "weight": 1, "method": "GET", "urls": [url + "/slow"]},
            {"name": "full", "weight": 1, "method": "POST", "urls": [url + "/full"], "body": "{}"},
        ]
        (tmp_path / "plan.json").write_text(json.dumps(plan))
        generator = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.mixgen", "--plan", str(tmp_path / "plan.json"),
            "--phase", "40:1", "--phase", "20:1", cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(generator.communicate(), timeout=60)
    assert generator.returncode == 0
    figures = json.loads(output.decode().strip().splitlines()[-1])
    first, second = figures["phases"]
    # Open loop: the count follows the schedule, not the server's speed.
    assert (first["requests"], second["requests"]) == (40, 20)
    kinds = first["kinds"]
    assert kinds["full"]["statuses"] == {"503": kinds["full"]["requests"]}
    assert kinds["full"]["errors"] == kinds["full"]["requests"] > 0
    assert kinds["slow"]["p50_ms"] >= 200 > kinds["fast"]["p50_ms"]
    assert len(figures["timeline"]) == 2
    assert [rest["from_second"] for rest in second["settling"]] == [0]
