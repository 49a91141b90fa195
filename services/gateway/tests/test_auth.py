"""How the gateway reads a caller from an external token: roles, office, tribunal, and the
tokens it refuses (every time, not only the first)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest

from gateway.auth import authenticate_with_claims, external_verifier
from gateway.config import GatewaySettings
from gateway.dev_issuer import dev_issuer_key, mint_dev_token
from ombuds_shared.errors import Forbidden, Unauthorized
from ombuds_shared.tokens import TokenVerifier
from ombuds_testing import TestKeys


@pytest.fixture
def settings(keys: TestKeys, tmp_path: Path) -> GatewaySettings:
    return GatewaySettings(
        environment="test",
        data_dir=tmp_path,
        signing_key_file=keys.key_file("gateway"),
        service_keys_dir=keys.folder,
        roles_claim="realm_access.roles",
        # A set mapping is the whole list: the names spelled as Ombuds does are listed too.
        role_names={"Ombuds.Chief": "chief", "ombudsman": "ombudsman", "registry": "registry"},
        roles_separator="space",
    )


@pytest.fixture
async def verifier(settings: GatewaySettings) -> AsyncIterator[TokenVerifier]:
    verifier, _ = external_verifier(settings)
    yield verifier
    await verifier.keys.close()


def _signed(settings: GatewaySettings, **claims: object) -> str:
    key = dev_issuer_key(settings)
    now = int(time.time())
    body: dict[str, object] = {
        "iss": settings.dev_issuer,
        "aud": settings.oidc_audience,
        "sub": "someone",
        "iat": now,
        "exp": now + 300,
        **claims,
    }
    return jwt.encode(body, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


async def test_roles_office_and_tribunal_are_read_from_the_configured_claims(
    settings: GatewaySettings, verifier: TokenVerifier
) -> None:
    token = _signed(
        settings,
        # A dotted path, one string of names, and a provider's own name mapped to ours.
        realm_access={"roles": "ombudsman Ombuds.Chief unheard-of"},
        office="geneva",
        tribunal="not-a-tribunal",
    )
    actor, claims = await authenticate_with_claims(verifier, settings, f"Bearer {token}")
    assert actor.subject == "someone"
    assert actor.roles == frozenset({"ombudsman", "chief"})
    assert actor.office == "geneva"
    assert actor.tribunal is None  # an unknown tribunal is no tribunal
    assert claims["sub"] == "someone"


async def test_a_role_string_is_one_name_and_a_mapping_is_the_whole_list(
    settings: GatewaySettings, verifier: TokenVerifier
) -> None:
    unsplit = settings.model_copy(update={"roles_separator": "none", "role_names": {}})
    token = _signed(unsplit, realm_access={"roles": "HR administrator"})
    actor, _ = await authenticate_with_claims(verifier, unsplit, f"Bearer {token}")
    assert actor.roles == frozenset()
    # The provider's own `administrator` is no Ombuds administrator unless the mapping says so.
    token = _signed(settings, realm_access={"roles": ["administrator", "ombudsman"]})
    actor, _ = await authenticate_with_claims(verifier, settings, f"Bearer {token}")
    assert actor.roles == frozenset({"ombudsman"})


async def test_unknown_roles_grant_nothing(
    settings: GatewaySettings, verifier: TokenVerifier
) -> None:
    token = _signed(settings, realm_access={"roles": ["admin", "root", ""]}, office=["x"])
    actor, _ = await authenticate_with_claims(verifier, settings, f"Bearer {token}")
    assert actor.roles == frozenset()
    assert actor.office is None  # an office that is not a string is none


async def test_a_registry_token_without_its_tribunal_is_refused(
    settings: GatewaySettings, verifier: TokenVerifier
) -> None:
    token = _signed(settings, realm_access={"roles": ["registry"]})
    with pytest.raises(Forbidden):
        await authenticate_with_claims(verifier, settings, f"Bearer {token}")
    bound = _signed(settings, realm_access={"roles": ["registry"]}, tribunal="appeals_tribunal")
    actor, _ = await authenticate_with_claims(verifier, settings, f"Bearer {bound}")
    assert (actor.roles, actor.tribunal) == (frozenset({"registry"}), "appeals_tribunal")


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
async def test_a_time_claim_as_text_is_refused_every_time(
    settings: GatewaySettings, verifier: TokenVerifier, claim: str
) -> None:
    token = _signed(settings, realm_access={"roles": ["chief"]}, **{claim: "tomorrow"})
    # Twice: a verifier that caches what it verified must not let the second one through.
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await authenticate_with_claims(verifier, settings, f"Bearer {token}")


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer a.b.c"])
async def test_no_usable_bearer_token_is_401(
    settings: GatewaySettings, verifier: TokenVerifier, header: str | None
) -> None:
    with pytest.raises(Unauthorized):
        await authenticate_with_claims(verifier, settings, header)


async def test_a_dev_token_passes_as_issued(
    settings: GatewaySettings, verifier: TokenVerifier
) -> None:
    plain = settings.model_copy(update={"roles_claim": "roles"})
    token = mint_dev_token(plain, subject="omb-1", roles=["ombudsman"], office="nairobi")
    actor, _ = await authenticate_with_claims(verifier, plain, f"Bearer {token}")
    assert (actor.subject, actor.roles, actor.office) == (
        "omb-1",
        frozenset({"ombudsman"}),
        "nairobi",
    )
