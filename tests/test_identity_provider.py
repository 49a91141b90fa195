"""Any identity provider: claim paths, role names, audiences as URIs, and a real provider.

The last test runs node-oidc-provider (tests/idp/, installed by `npm ci` there) on loopback
and calls the gateway with the access tokens it issues (client credentials, ES256 at+jwt).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import ValidationError

from gateway.config import GatewaySettings
from gateway.dev_issuer import dev_issuer_key
from ombuds_testing import TestDatabases, TestKeys, bearer, free_port

from .conftest import Stack, intake_body, running_stack

IDP_FOLDER = Path(__file__).parent / "idp"
AUDIENCE = "https://ombuds.example.org/api"
# Keycloak's shape: roles nested under realm_access; Azure's names mapped to Ombuds roles,
# and the names the provider already spells as Ombuds does listed too (a set mapping is the
# whole list); a string of roles separated by commas.
KEYCLOAK_STYLE = {
    "roles_claim": "realm_access.roles",
    "role_names": {
        "Ombuds.HRPortal": "hr_portal",
        "Ombuds.Ombudsman": "ombudsman",
        "ombudsman": "ombudsman",
        "visitor": "visitor",
    },
    "roles_separator": "comma",
    "oidc_audience": AUDIENCE,
}
AUTH_LOGGER = "ombuds.gateway.auth"


@contextlib.contextmanager
def auth_warnings() -> Iterator[list[str]]:
    """The gateway's authentication warnings while the block runs.

    Held on the logger itself: a gateway created meanwhile resets the root logger's handlers.
    """
    lines: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    auth_logger = logging.getLogger(AUTH_LOGGER)
    auth_logger.addHandler(handler)
    try:
        yield lines
    finally:
        auth_logger.removeHandler(handler)


@pytest.fixture
async def keycloak_stack(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> AsyncIterator[Stack]:
    async with running_stack(keys, databases, master_keys, tmp_path, **KEYCLOAK_STYLE) as stack:
        yield stack


def _dev_token(stack: Stack, **claims: Any) -> dict[str, str]:
    """A token of the development issuer with exactly these claims (besides the registered)."""
    key = dev_issuer_key(stack.settings)
    now = int(time.time())
    body = {"iss": stack.settings.dev_issuer, "aud": stack.settings.oidc_audience, "sub": "someone",
            "iat": now, "exp": now + 300, **claims}  # fmt: skip
    return bearer(jwt.encode(body, key.private_key, algorithm="EdDSA", headers={"kid": key.kid}))


async def test_nested_roles_mapped_names_and_role_strings(keycloak_stack: Stack) -> None:
    stack = keycloak_stack
    cases = "/v1/cases"
    nested_list = _dev_token(stack, realm_access={"roles": ["Ombuds.Ombudsman"]}, office="nairobi")
    assert (await stack.gateway.get(cases, headers=nested_list)).status_code == 200
    # One string, separated by commas, with an unknown name beside a known one.
    as_string = _dev_token(stack, realm_access={"roles": "offline_access, ombudsman"},
                           office="nairobi")  # fmt: skip
    assert (await stack.gateway.get(cases, headers=as_string)).status_code == 200
    # A provider role that shares a name with an Ombuds role grants nothing unless mapped.
    unlisted = _dev_token(stack, realm_access={"roles": ["administrator"]})
    assert (await stack.gateway.get("/v1/staff", headers=unlisted)).status_code == 403
    # The flat claim is not read any more once the path says where roles are.
    flat = _dev_token(stack, roles=["ombudsman"], office="nairobi")
    assert (await stack.gateway.get(cases, headers=flat)).status_code == 403
    # A mapped name gives the mapped role, and only that one.
    portal = _dev_token(stack, realm_access={"roles": ["Ombuds.HRPortal"]})
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(consent_to_contact=True),
        headers={**portal, "Idempotency-Key": secrets.token_hex(8)},
    )  # fmt: skip
    assert submitted.status_code == 201, submitted.text
    assert (await stack.gateway.get(cases, headers=portal)).status_code == 403


async def test_a_token_with_no_known_role_is_refused_and_logged_without_its_content(
    keycloak_stack: Stack,
) -> None:
    stack = keycloak_stack
    token = _dev_token(stack, sub="secret-subject-77",
                       realm_access={"roles": ["Ombuds.Stranger", "uma_authorization"]},
                       office="nairobi")  # fmt: skip
    with auth_warnings() as warnings:
        response = await stack.gateway.get("/v1/cases", headers=token)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    [line] = warnings
    assert "no known role" in line
    assert "2 unknown role names" in line
    assert stack.settings.dev_issuer in line
    for content in ("secret-subject-77", "Ombuds.Stranger", "uma_authorization", "nairobi"):
        assert content not in line
    # The same provider and key again within the minute: refused, not logged again.
    with auth_warnings() as warnings:
        for _ in range(5):
            assert (await stack.gateway.get("/v1/cases", headers=token)).status_code == 403
    assert warnings == []
    # A token with a known role logs nothing.
    with auth_warnings() as warnings:
        known = _dev_token(stack, realm_access={"roles": ["ombudsman"]}, office="nairobi")
        assert (await stack.gateway.get("/v1/cases", headers=known)).status_code == 200
    assert warnings == []


async def test_a_role_string_is_one_name_unless_a_separator_is_set(stack: Stack) -> None:
    """A provider sends a user's only role as a string: `HR administrator` is one name, not an
    administrator; split, it would be (the attack this guards against)."""
    hr_admin = _dev_token(stack, roles="HR administrator")
    assert (await stack.gateway.get("/v1/staff", headers=hr_admin)).status_code == 403
    only_role = _dev_token(stack, roles="administrator")
    assert (await stack.gateway.get("/v1/staff", headers=only_role)).status_code == 200
    two_in_one = _dev_token(stack, roles="administrator ombudsman")
    assert (await stack.gateway.get("/v1/staff", headers=two_in_one)).status_code == 403


async def test_claims_named_by_uri_are_read_whole(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> None:
    roles_uri, office_uri = "https://ombuds.example.org/roles", "https://ombuds.example.org/office"
    async with running_stack(keys, databases, master_keys, tmp_path, roles_claim=roles_uri,
                             office_claim=office_uri, oidc_audience=AUDIENCE) as stack:  # fmt: skip
        token = _dev_token(stack, **{roles_uri: "ombudsman", office_uri: "nairobi"})
        assert (await stack.gateway.get("/v1/cases", headers=token)).status_code == 200
        # A token for another audience (the bare name instead of the URI) is not ours.
        other = jwt.decode(token["Authorization"][7:], options={"verify_signature": False})
        key = dev_issuer_key(stack.settings)
        wrong = jwt.encode({**other, "aud": "ombuds"}, key.private_key, algorithm="EdDSA",
                           headers={"kid": key.kid})  # fmt: skip
        assert (await stack.gateway.get("/v1/cases", headers=bearer(wrong))).status_code == 401


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"oidc_jwks_url": "https://login.example.org/jwks"}, "oidc_issuer is not"),
        ({"oidc_issuer": "https://login.example.org/"}, "oidc_jwks_url is not"),
        ({"role_names": {"Ombuds.Boss": "superuser"}}, "unknown roles ['superuser']"),
        ({"roles_claim": "realm_access..roles"}, "roles_claim"),
        ({"office_claim": ""}, "office_claim"),
    ],
)
def test_incomplete_identity_settings_are_a_clear_error(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        GatewaySettings(environment="test", **settings)
    assert message in str(raised.value)


def test_role_names_come_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMBUDS_GATEWAY_ROLE_NAMES", '{"Ombuds.HRPortal": "hr_portal"}')
    monkeypatch.setenv("OMBUDS_GATEWAY_ROLES_CLAIM", "realm_access.roles")
    settings = GatewaySettings(environment="test")
    assert settings.role_names == {"Ombuds.HRPortal": "hr_portal"}
    assert settings.roles_claim == "realm_access.roles"
    # Compose passes an unset one as empty: no mapping.
    monkeypatch.setenv("OMBUDS_GATEWAY_ROLE_NAMES", "")
    assert GatewaySettings(environment="test").role_names == {}
    monkeypatch.setenv("OMBUDS_GATEWAY_ROLE_NAMES", "Ombuds.HRPortal=hr_portal")
    with pytest.raises(ValidationError, match="role_names must be a JSON object"):
        GatewaySettings(environment="test")


# --- a real identity provider -------------------------------------------------------------

# client id -> (roles as the provider spells them, office)
CLIENTS: dict[str, tuple[list[str] | str, str | None]] = {
    "visitor-app": (["visitor"], None),
    "office-desk": ("ombudsman, offline_access", "nairobi"),
    "hr-portal": (["Ombuds.HRPortal"], None),
    "stranger": (["Ombuds.Stranger"], None),
}


@pytest.fixture
async def oidc_provider() -> AsyncIterator[tuple[str, dict[str, str]]]:
    """node-oidc-provider on a loopback port: its issuer, and a secret per client."""
    node = shutil.which("node")
    if node is None or not (IDP_FOLDER / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("needs Node.js and `npm ci` in tests/idp")
    secrets_by_client = {client: secrets.token_urlsafe(32) for client in CLIENTS}
    clients = [
        {"client_id": c, "client_secret": secrets_by_client[c], "roles": roles, "office": office}
        for c, (roles, office) in CLIENTS.items()
    ]
    process = await asyncio.create_subprocess_exec(
        node, "provider.mjs", str(free_port()), AUDIENCE, json.dumps(clients),
        cwd=IDP_FOLDER, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert line.startswith(b"ready "), line
        yield line.decode().split()[1], secrets_by_client
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_the_gateway_takes_node_oidc_provider_tokens(
    oidc_provider: tuple[str, dict[str, str]],
    keys: TestKeys,
    databases: TestDatabases,
    master_keys: str,
    tmp_path: Path,
) -> None:
    issuer, client_secrets = oidc_provider
    async with httpx.AsyncClient(base_url=issuer, timeout=10) as idp:
        discovery = (await idp.get("/.well-known/openid-configuration")).json()
        tokens: dict[str, dict[str, str]] = {}
        for client, secret in client_secrets.items():
            issued = await idp.post(
                discovery["token_endpoint"], auth=(client, secret),
                data={"grant_type": "client_credentials", "resource": AUDIENCE},
            )  # fmt: skip
            assert issued.status_code == 200, issued.text
            access_token = issued.json()["access_token"]
            header = jwt.get_unverified_header(access_token)
            assert (header["alg"], header["typ"]) == ("ES256", "at+jwt")
            tokens[client] = bearer(access_token)
    # The three settings a newcomer sets (docs/identity-provider.md), and the claim settings.
    settings = {"oidc_jwks_url": discovery["jwks_uri"], "oidc_issuer": issuer, **KEYCLOAK_STYLE}
    async with running_stack(keys, databases, master_keys, tmp_path, **settings) as stack:
        assert not stack.settings.uses_dev_issuer
        visitor = await stack.gateway.get("/v1/intake/requests", headers=tokens["visitor-app"])
        assert visitor.status_code == 200, visitor.text
        desk = await stack.gateway.get("/v1/cases", headers=tokens["office-desk"])
        assert desk.status_code == 200, desk.text
        portal = await stack.gateway.post(
            "/v1/intake/requests", json=intake_body(consent_to_contact=True),
            headers={**tokens["hr-portal"], "Idempotency-Key": "idp-e2e-1"},
        )  # fmt: skip
        assert portal.status_code == 201, portal.text
        portal_reads = await stack.gateway.get("/v1/cases", headers=tokens["hr-portal"])
        assert portal_reads.status_code == 403
        with auth_warnings() as warnings:
            stranger = await stack.gateway.get("/v1/cases", headers=tokens["stranger"])
        assert stranger.status_code == 403
        [warning] = warnings
        assert f"issuer {issuer}, key test-es256, 1 unknown role names" in warning
        assert "stranger" not in warning.lower()
