"""End to end: demo mediations in real processes, and a registry verifying a certificate
with the registry guide's own code against the running gateway's published keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from ombuds import system
from ombuds.demo_mediation import load_mediation_demo
from ombuds.tokens import dev_token

pytestmark = pytest.mark.e2e

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "registry-guide.md"


def _guide() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    for block in re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL):
        if "def " in block:
            exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own doc
    return namespace


def test_a_registry_verifies_a_demo_certificate(running_system: system.System) -> None:
    gateway = running_system.url("gateway")
    counts = load_mediation_demo(gateway, running_system.data_dir, report=lambda _: None)
    assert counts["certificates"] >= 4
    registry = dev_token(
        running_system.data_dir,
        role="registry",
        subject="registry-e2e",
        tribunal="dispute_tribunal",
    )
    chief = dev_token(running_system.data_dir, role="chief", office="mediation-service")
    listing = httpx.get(
        f"{gateway}/v1/mediations", timeout=10, headers={"Authorization": f"Bearer {chief}"}
    ).json()["items"]
    ended = next(
        m
        for m in listing
        if m["ended_on"] and (m["tribunal_reference"] or {}).get("tribunal") == "dispute_tribunal"
    )
    guide = _guide()
    certificate = guide["current_certificate"](
        gateway, registry, ended["tribunal_reference"]["case_number"]
    )
    facts = guide["verify_certificate"](certificate, guide["fetch_jwks"](gateway))
    assert (facts["start_date"], facts["end_date"]) == (ended["started_on"], ended["ended_on"])
    refused = httpx.get(
        f"{gateway}/v1/mediations/{ended['id']}",
        timeout=10,
        headers={"Authorization": f"Bearer {registry}"},
    )
    assert refused.status_code == 403
