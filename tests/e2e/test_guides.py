"""The guides' examples, run as a reader would run them, against the running system."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ombuds import system
from ombuds.tokens import dev_token

pytestmark = pytest.mark.e2e
DOCS = Path(__file__).resolve().parents[2] / "docs"


def _python_blocks(guide: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / guide).read_text(), flags=re.S)


def _run_guide(guide: str, env: dict[str, str]) -> dict[str, object]:
    blocks = _python_blocks(guide)
    assert blocks, f"{guide} has no runnable examples"
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    namespace: dict[str, object] = {"__name__": f"guide:{guide}"}
    try:
        for block in blocks:
            exec(compile(block, guide, "exec"), namespace)  # noqa: S102 - our own docs
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return namespace


def test_hr_portal_guide_runs(running_system: system.System) -> None:
    data_dir = running_system.data_dir
    _run_guide("hr-portal-guide.md", {
        "OMBUDS_URL": running_system.url("gateway"),
        "PORTAL_TOKEN": dev_token(data_dir, role="hr_portal", subject="portal-guide"),
    })  # fmt: skip


def test_frontend_guide_runs(running_system: system.System) -> None:
    data_dir = running_system.data_dir
    _run_guide("frontend-guide.md", {
        "OMBUDS_URL": running_system.url("gateway"),
        "VISITOR_TOKEN": dev_token(data_dir, role="visitor", subject="amina-guide"),
        "OMBUDSMAN_TOKEN": dev_token(data_dir, role="ombudsman", office="geneva"),
        "CHIEF_TOKEN": dev_token(data_dir, role="chief", office="geneva"),
        "MEDIATOR_TOKEN": dev_token(data_dir, role="mediator", office="mediation-service"),
        "REGISTRY_TOKEN": dev_token(
            data_dir, role="registry", subject="undt-registry-gva", tribunal="dispute_tribunal"
        ),
    })  # fmt: skip
