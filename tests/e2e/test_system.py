"""End to end: real processes, real HTTP, through the gateway only."""

from __future__ import annotations

import httpx
import pytest

from ombuds import system
from ombuds.tokens import dev_token

pytestmark = pytest.mark.e2e


def _auth(running: system.System, role: str, **claims: str) -> dict[str, str]:
    token = dev_token(running.data_dir, role=role, subject=claims.get("sub"),
                      office=claims.get("office"))  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


def test_visitor_to_intake_to_accepted_case(shared_system: system.System) -> None:
    gateway = shared_system.url("gateway")
    body = {
        "visitor": {"name": "Mariam Haddad", "email": "m.haddad@example.org"},
        "pillar": "funds_and_programmes",
        "office": "funds-programmes",
        "location": "office_away_from_headquarters",
        "occupational_group": "national_officer",
    }
    with httpx.Client(base_url=gateway, timeout=10) as client:
        visitor = _auth(shared_system, "visitor", sub="mariam")
        submitted = client.post("/v1/intake/requests", json=body,
                                headers={**visitor, "Idempotency-Key": "e2e-1"})  # fmt: skip
        assert submitted.status_code == 201, submitted.text
        reference = submitted.json()["reference"]
        ombudsman = _auth(shared_system, "ombudsman", sub="omb-fp", office="funds-programmes")
        accepted = client.post(f"/v1/intake/requests/{reference}/accept", headers=ombudsman)
        assert accepted.status_code == 200, accepted.text
        case_id = accepted.json()["case_id"]
        case = client.get(f"/v1/cases/{case_id}", headers=ombudsman)
        assert case.status_code == 200
        assert case.json()["pillar"] == "funds_and_programmes"
        assert "Mariam" not in case.text
        status = client.get(f"/v1/intake/requests/{reference}", headers=visitor)
        assert status.json()["status"] == "accepted"
        # The request id follows the request through every service.
        traced = client.get(
            f"/v1/cases/{case_id}", headers={**ombudsman, "X-Request-ID": "trace-e2e-1"}
        )
        assert traced.headers["X-Request-ID"] == "trace-e2e-1"


def test_services_are_not_reachable_around_the_gateway(shared_system: system.System) -> None:
    token = dev_token(shared_system.data_dir, role="chief", office="new-york")
    with httpx.Client(timeout=5) as client:
        direct = client.get(shared_system.url("cases") + "/v1/cases",
                            headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert direct.status_code == 401
        for name in ("intake", "cases", "mediation", "analytics", "gateway"):
            assert client.get(shared_system.url(name) + "/ready").status_code == 200, name


def test_internal_jwks_lists_every_service(shared_system: system.System) -> None:
    public = httpx.get(shared_system.url("gateway") + "/internal/jwks.json", timeout=5)
    assert public.status_code == 404  # the private listener's, never the public port's
    keys = httpx.get(shared_system.private_url() + "/internal/jwks.json", timeout=5).json()["keys"]
    assert sorted(k["kid"].split(".")[0] for k in keys) == [
        "analytics", "cases", "gateway", "intake", "mediation"]  # fmt: skip
