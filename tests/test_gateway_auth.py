"""The gateway's first wall: who is calling (external tokens), and the policy table."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.dev_issuer import dev_issuer_key
from gateway.policy import POLICY, Policy
from ombuds_shared.errors import NotFound
from ombuds_testing import bearer

from .conftest import Stack


def _claims(stack: Stack, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": stack.settings.dev_issuer,
        "aud": stack.settings.oidc_audience,
        "sub": "someone",
        "roles": ["ombudsman"],
        "office": "nairobi",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(stack: Stack, claims: dict[str, object], **headers: object) -> str:
    key = dev_issuer_key(stack.settings)
    return jwt.encode(
        claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, **headers}
    )


def _b64(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _bad_tokens(stack: Stack) -> dict[str, str]:
    key = dev_issuer_key(stack.settings)
    good = _signed(stack, _claims(stack))
    header, payload, signature = good.split(".")
    stranger = Ed25519PrivateKey.generate()
    now = int(time.time())
    return {
        "wrong signature": jwt.encode(_claims(stack), stranger, algorithm="EdDSA",
                                      headers={"kid": key.kid}),
        "alg none": f"{_b64({'alg': 'none', 'kid': key.kid})}.{payload}.",
        "HS256 with the public key": jwt.encode(_claims(stack), key.public_jwk["x"],
                                                algorithm="HS256", headers={"kid": key.kid}),
        "wrong audience": _signed(stack, _claims(stack, aud="someone-else")),
        "wrong issuer": _signed(stack, _claims(stack, iss="https://evil.example")),
        "expired": _signed(stack, _claims(stack, iat=now - 600, exp=now - 300)),
        "not yet valid": _signed(stack, _claims(stack, nbf=now + 600)),
        "no expiry": _signed(stack, _claims(stack, exp=None)),
        "no subject": _signed(stack, _claims(stack, sub=None)),
        "unknown kid": _signed(stack, _claims(stack), kid="dev-issuer.unknown"),
        "jku header": _signed(stack, _claims(stack), jku="http://127.0.0.1:9/keys.json"),
        "tampered payload": f"{header}.{_b64(_claims(stack, roles=['chief']))}.{signature}",
        "truncated signature": good[:-10],
        "empty signature": f"{header}.{payload}.",
        "garbage": "not.a.token",
        "empty": "",
        "huge": "a" * 20_000,
        "internal token": stack.keys.user_token("intake", _actor()),
        "internal token type": _signed(stack, _claims(stack), typ="ombuds-internal+jwt"),
        "kid path traversal": _signed(stack, _claims(stack), kid="../../keys/gateway"),
        "kid very long": _signed(stack, _claims(stack), kid="dev-issuer." + "x" * 5000),
        "embedded jwk header": _signed(stack, _claims(stack), jwk=key.public_jwk),
        "x5u header": _signed(stack, _claims(stack), x5u="http://127.0.0.1:9/cert.pem"),
        "x5c header": _signed(stack, _claims(stack), x5c=["MIIB"]),
        "crit header": _signed(stack, _claims(stack), crit=["exp"]),
        "RS256 on an Ed25519 key": f"{_b64({'alg': 'RS256', 'kid': key.kid})}.{payload}.{signature}",  # noqa: E501
        "ES256 on an Ed25519 key": f"{_b64({'alg': 'ES256', 'kid': key.kid})}.{payload}.{signature}",  # noqa: E501
        "five parts (JWE shape)": f"{good}.extra.parts",
        "audience list without ours": _signed(stack, _claims(stack, aud=["a", "b"])),
        "no issuer": _signed(stack, _claims(stack, iss=None)),
        "expiry as text": _signed(stack, _claims(stack, exp="tomorrow")),
        "signed by another service's key": jwt.encode(
            _claims(stack), stack.keys.keys["intake"].private_key, algorithm="EdDSA",
            headers={"kid": stack.keys.keys["intake"].kid}),
    }  # fmt: skip


def _actor():  # type: ignore[no-untyped-def]
    from ombuds_testing import actor

    return actor("chief", office="nairobi")


async def test_every_broken_token_gets_401(stack: Stack) -> None:
    bad_tokens = _bad_tokens(stack)
    assert len(bad_tokens) >= 30
    for name, token in bad_tokens.items():
        response = await stack.gateway.get("/v1/cases", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.headers["content-type"] == "application/problem+json", name
    schemes = {
        "Basic": "Basic dXNlcjpwYXNz",
        "two tokens": "Bearer a.b.c d.e.f",
        "no scheme": _signed(stack, _claims(stack)),
    }
    for name, value in schemes.items():
        response = await stack.gateway.get("/v1/cases", headers={"Authorization": value})
        assert response.status_code == 401, name
    missing = await stack.gateway.get("/v1/cases")
    assert missing.status_code == 401
    assert "Bearer" in missing.headers["WWW-Authenticate"]


async def test_a_good_token_passes(stack: Stack) -> None:
    response = await stack.gateway.get("/v1/cases", headers=bearer(_signed(stack, _claims(stack))))
    assert response.status_code == 200


async def test_unknown_roles_grant_nothing(stack: Stack) -> None:
    token = _signed(stack, _claims(stack, roles=["superuser", "admin"]))
    assert (await stack.gateway.get("/v1/cases", headers=bearer(token))).status_code == 403


async def test_unknown_internal_and_wrong_method_routes(stack: Stack) -> None:
    headers = stack.auth("chief", office="nairobi")
    assert (await stack.gateway.get("/v1/nowhere", headers=headers)).status_code == 404
    assert (await stack.gateway.post("/v1/internal/cases", headers=headers)).status_code == 404
    assert (await stack.gateway.delete("/v1/cases", headers=headers)).status_code == 405
    assert (await stack.gateway.get("/v1/", headers=headers)).status_code == 404


@pytest.mark.parametrize("path", ["/v1/cases/%0A", "/v1/webhooks/subscriptions/x%0A"])
async def test_a_path_ending_in_a_line_break_is_no_route_with_or_without_a_token(
    stack: Stack, path: str
) -> None:
    """The mount's pattern ends in `$`, which matches before a final line break."""
    assert (await stack.gateway.get(path)).status_code == 404
    headers = stack.auth("chief", office="nairobi")
    assert (await stack.gateway.get(path, headers=headers)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/v1/cases/..",
        "/v1/cases/.",
        "/v1/cases/.%2e",
        "/v1/cases/a%2fb",
        "/v1/cases/a/b",
        "/v1/intake/requests/x/../../internal/cases",
        "/v1/cases/" + "x" * 300,
    ],
)
def test_path_parameters_cannot_walk_the_upstream_tree(path: str) -> None:
    # HTTP clients normalise "..", so the matcher is checked on the raw path itself.
    with pytest.raises(NotFound):
        Policy().match("GET", path)


async def test_services_refuse_callers_who_bypass_the_gateway(stack: Stack) -> None:
    import httpx

    external = stack.token("chief", office="nairobi")
    async with httpx.AsyncClient() as direct:
        for name, url in stack.urls.items():
            path = {"intake": "/v1/intake/requests", "cases": "/v1/cases"}.get(name)
            if path is None:
                continue
            assert (await direct.get(url + path)).status_code == 401
            assert (await direct.get(url + path, headers=bearer(external))).status_code == 401
            internal = await direct.post(url + "/v1/internal/cases", json={},
                                         headers=bearer(external))  # fmt: skip
            assert internal.status_code in (401, 404)


async def test_published_keys(stack: Stack) -> None:
    public = (await stack.gateway.get("/.well-known/jwks.json")).json()["keys"]
    assert [k["kid"].split(".")[0] for k in public] == ["dev-issuer", "certificate"]
    assert all("d" not in k for k in public)  # never a private part
    internal = (await stack.internal.get("/internal/jwks.json")).json()["keys"]
    owners = sorted(k["kid"].split(".")[0] for k in internal)
    assert owners == ["analytics", "cases", "gateway", "intake", "mediation"]
    assert all("d" not in k for k in internal)


async def test_combined_openapi_documents_every_policy_route(stack: Stack) -> None:
    document = (await stack.gateway.get("/openapi.json")).json()
    for rule in POLICY:
        operation = document["paths"][rule.path][rule.method.lower()]
        assert operation["x-roles"] == sorted(r.value for r in rule.roles)
    assert "Problem" in document["components"]["schemas"]
    assert not any("/internal/" in path for path in document["paths"] if path.startswith("/v1"))
    assert (await stack.gateway.get("/docs")).status_code == 200


async def test_health_and_readiness(stack: Stack) -> None:
    assert (await stack.gateway.get("/health")).json()["status"] == "ok"
    assert (await stack.gateway.get("/ready")).json()["status"] == "ready"


COMMITTED_OPENAPI = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


async def test_committed_openapi_matches_what_the_gateway_serves(stack: Stack) -> None:
    committed = json.loads(COMMITTED_OPENAPI.read_text())
    served = (await stack.gateway.get("/openapi.json")).json()
    assert served == committed, (
        "The public API changed; if that is deliberate, run "
        "`uv run python -m ombuds.openapi > docs/openapi.json`."
    )
