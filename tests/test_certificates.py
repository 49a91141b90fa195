"""Certificates for tribunal registries: request, issue, fetch, verify offline, rotate, revoke.

Verification uses joserfc, a JOSE implementation independent of the one that
signs (pyjwt), with nothing but the JWKS the gateway publishes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError, SecurityWarning
from joserfc.jwk import KeySet

from gateway.main import create_app as create_gateway
from mediation.main import create_app as create_mediation
from ombuds_shared.dependencies import state_of
from ombuds_testing import serve_app

from .conftest import Stack
from .mediation_support import CASE_NUMBER, Mediations, expect, today

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "registry-guide.md"
PAYLOAD_FIELDS = {
    "certificate_id",
    "tribunal",
    "tribunal_case_number",
    "start_date",
    "end_date",
    "issuing_office",
    "issued_at",
}


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


async def _jwks(stack: Stack) -> dict[str, Any]:
    return expect(await stack.gateway.get("/.well-known/jwks.json"), 200)


def _verify(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    with warnings.catch_warnings():
        # joserfc flags the polymorphic name "EdDSA" (RFC 9864); the keys are Ed25519.
        warnings.simplefilter("ignore", SecurityWarning)
        verified = jws.deserialize_compact(token, KeySet.import_key_set(jwks), algorithms=["EdDSA"])
    return dict(verified.protected), json.loads(verified.payload)


def _tampered(token: str, **changes: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_an_issued_certificate_verifies_offline_and_a_tampered_one_fails(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await med.under_way()
    request = expect(
        await stack.gateway.post(
            "/v1/certificates/requests",
            headers=med.registry,
            json={"tribunal": "dispute_tribunal", "tribunal_case_number": CASE_NUMBER},
        ),
        201,
    )
    assert request["status"] == "pending"
    pending = expect(
        await stack.gateway.get(
            "/v1/certificates/requests", params={"status": "pending"}, headers=med.mediator
        ),
        200,
    )
    assert [r["id"] for r in pending["items"]] == [request["id"]]
    issued = await med.issue(mediation_id, request_id=request["id"])
    followed = expect(
        await stack.gateway.get(f"/v1/certificates/requests/{request['id']}", headers=med.registry),
        200,
    )
    assert (followed["status"], followed["certificate_id"]) == ("issued", issued["id"])

    fetched = expect(
        await stack.gateway.get(f"/v1/certificates/{issued['id']}", headers=med.registry), 200
    )
    assert fetched["ongoing"] is True
    assert fetched["current"] is True
    jwks = await _jwks(stack)
    header, payload = _verify(fetched["jws"], jwks)
    assert header == {
        "alg": "EdDSA",
        "kid": fetched["kid"],
        "typ": "ombuds-mediation-certificate+jws",
    }
    assert set(payload) == PAYLOAD_FIELDS
    assert payload == {
        "certificate_id": issued["id"],
        "tribunal": "dispute_tribunal",
        "tribunal_case_number": CASE_NUMBER,
        "start_date": today(),
        "end_date": "ongoing",
        "issuing_office": "mediation-service",
        "issued_at": fetched["issued_at"].replace("+00:00", "Z"),
    }
    for forged in (
        _tampered(fetched["jws"], end_date="2020-01-01"),
        _tampered(fetched["jws"], tribunal_case_number="UNDT/NY/2026/999"),
        fetched["jws"][:-6] + "AAAAAA",
    ):
        with pytest.raises(BadSignatureError):
            _verify(forged, jwks)
    # Certificate keys are their own: no token key could have signed it.
    internal = expect(await stack.internal.get("/internal/jwks.json"), 200)
    assert fetched["kid"] not in {k["kid"] for k in internal["keys"]}
    assert fetched["kid"].startswith("certificate.")

    page = await stack.gateway.get(
        f"/v1/certificates/{issued['id']}/printable", headers=med.registry
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert CASE_NUMBER in page.text
    assert today() in page.text
    assert "ongoing" in page.text


async def test_reissue_after_the_end_and_the_lookup_says_which_is_current(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await med.under_way()
    ongoing = await med.issue(mediation_id)
    expect(await med.close(mediation_id, "not_settled"), 200)
    final = await med.issue(mediation_id)
    assert (final["end_date"], final["ongoing"]) == (today(), False)
    lookup = expect(
        await stack.gateway.get(
            "/v1/certificates", params={"tribunal_case_number": CASE_NUMBER}, headers=med.registry
        ),
        200,
    )
    assert lookup["current"] == final["id"]
    by_id = {c["id"]: c for c in lookup["items"]}
    assert [c["id"] for c in lookup["items"]] == [final["id"], ongoing["id"]]
    assert by_id[ongoing["id"]]["status"] == "revoked"
    assert by_id[ongoing["id"]]["revocation_reason"] == "superseded"
    assert by_id[ongoing["id"]]["superseded_by"] == final["id"]
    jwks = await _jwks(stack)
    assert _verify(by_id[final["id"]]["jws"], jwks)[1]["end_date"] == today()
    # A revoked certificate still verifies: the signature proves what was said, when.
    assert _verify(by_id[ongoing["id"]]["jws"], jwks)[1]["end_date"] == "ongoing"

    revoked = expect(
        await stack.gateway.post(
            f"/v1/certificates/{final['id']}/revoke",
            json={"reason": "issued_in_error"},
            headers=med.chief,
        ),
        200,
    )
    assert (revoked["status"], revoked["current"]) == ("revoked", False)
    lookup = expect(
        await stack.gateway.get(
            "/v1/certificates", params={"tribunal_case_number": CASE_NUMBER}, headers=med.registry
        ),
        200,
    )
    assert lookup["current"] is None
    again = await stack.gateway.post(
        f"/v1/certificates/{final['id']}/revoke", json={"reason": "other"}, headers=med.chief
    )
    assert again.status_code == 409


async def test_certificates_only_for_started_tribunal_mediations_and_declines(
    med: Mediations, stack: Stack
) -> None:
    not_started = await med.open()
    assert (await med.post(not_started, "certificates")).status_code == 409
    self_referred = await med.under_way(tribunal=False, referral_source="self_referral")
    assert (await med.post(self_referred, "certificates")).status_code == 409
    appeals = stack.auth("registry", sub="unat-registry-ny", tribunal="appeals_tribunal")
    request = expect(
        await stack.gateway.post(
            "/v1/certificates/requests",
            headers=appeals,
            json={"tribunal": "appeals_tribunal", "tribunal_case_number": "UNAT/2026/77"},
        ),
        201,
    )
    started = await med.under_way(case_number="UNDT/GVA/2026/002")
    wrong = await med.post(started, "certificates", {"request_id": request["id"]})
    assert wrong.status_code == 409  # the request names another tribunal case
    declined = expect(
        await stack.gateway.post(
            f"/v1/certificates/requests/{request['id']}/decline",
            json={"reason": "no_such_mediation"},
            headers=med.mediator,
        ),
        200,
    )
    assert (declined["status"], declined["decline_reason"]) == ("declined", "no_such_mediation")
    other_registry = stack.auth("registry", sub="unat-registry", tribunal="appeals_tribunal")
    response = await stack.gateway.get(
        f"/v1/certificates/requests/{request['id']}", headers=other_registry
    )
    assert response.status_code == 404
    missing = await stack.gateway.get(f"/v1/certificates/{request['id']}", headers=med.registry)
    assert missing.status_code == 404
    lookup = await stack.gateway.get("/v1/certificates", headers=med.registry)
    assert lookup.status_code == 422  # the case number is required


@pytest.fixture
def uncached_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway asks for the certificate keys on every JWKS request (sees a rotation now)."""
    monkeypatch.setenv("OMBUDS_GATEWAY_CERTIFICATE_KEYS_MAX_AGE_SECONDS", "0")


async def test_after_a_key_rotation_old_certificates_still_verify(
    uncached_keys: None, stack: Stack, tmp_path: Path
) -> None:
    med = Mediations(stack)
    before = await med.issue(await med.under_way())
    old_settings = state_of(stack.apps["mediation"]).settings
    old_key = old_settings.resolved_certificate_key_files[-1]
    rotated = old_settings.model_copy(
        update={"certificate_key_files": [old_key, tmp_path / "keys" / "certificate-2.pem"]}
    )
    await stack.stop("mediation")
    stack.apps["mediation"] = create_mediation(rotated)
    await stack.start("mediation")
    after = await med.issue(await med.under_way(case_number="UNDT/NY/2026/020"))
    assert after["kid"] != before["kid"]
    jwks = await _jwks(stack)
    assert {before["kid"], after["kid"]} <= {k["kid"] for k in jwks["keys"]}
    assert _verify(before["jws"], jwks)[1]["certificate_id"] == before["id"]
    assert _verify(after["jws"], jwks)[1]["certificate_id"] == after["id"]
    # While the mediation service is away, the gateway keeps publishing the last keys it saw.
    await stack.stop("mediation")
    try:
        during = await _jwks(stack)
        assert {before["kid"], after["kid"]} <= {k["kid"] for k in during["keys"]}
    finally:
        await stack.start("mediation")


def _guide_code() -> dict[str, Any]:
    """The guide's Python definitions, run as written."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    namespace: dict[str, Any] = {}
    for block in blocks:
        if "def " in block:
            exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own doc
    return namespace


async def test_the_registry_guide_examples_run(med: Mediations, stack: Stack) -> None:
    guide = _guide_code()
    async with serve_app(
        create_gateway(stack.settings.model_copy(update={"private_bind": None}))
    ) as base_url:
        token = stack.token("registry", sub="undt-registry-ny")
        request_id = await asyncio.to_thread(
            guide["request_certificate"], base_url, token, "dispute_tribunal", CASE_NUMBER
        )
        mediation_id = await med.under_way()
        await med.issue(mediation_id, request_id=request_id)
        certificate = await asyncio.to_thread(
            guide["current_certificate"], base_url, token, CASE_NUMBER
        )
        jwks = await asyncio.to_thread(guide["fetch_jwks"], base_url)
    facts = guide["verify_certificate"](certificate, jwks)
    assert (facts["start_date"], facts["end_date"]) == (today(), "ongoing")
    with pytest.raises(ValueError, match="not a genuine certificate"):
        guide["verify_certificate"](_tampered(certificate, end_date=today()), jwks)
