import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ombuds_shared.errors import Unauthorized
from ombuds_shared.keys import SigningKey, jwks_document
from ombuds_shared.tokens import (
    INTERNAL_TOKEN_TYPE,
    JwksKeySource,
    ReusedToken,
    TokenVerifier,
    caller_from_internal_claims,
    mint_internal_token,
)
from ombuds_testing import TestKeys, actor


def _verifier(keys: TestKeys, audience: str = "cases") -> TokenVerifier:
    return TokenVerifier(
        JwksKeySource(file=keys.jwks_file), audience=audience, issuers={"gateway", "intake"}
    )


async def test_gateway_token_carries_the_user(keys: TestKeys) -> None:
    user = actor("ombudsman", office="geneva")
    claims = await _verifier(keys).verify(keys.user_token("cases", user))
    caller = caller_from_internal_claims(claims)
    assert caller.actor == user
    assert not caller.is_peer


async def test_peer_token_carries_the_acting_user(keys: TestKeys) -> None:
    user = actor("ombudsman", office="geneva")
    claims = await _verifier(keys).verify(keys.peer_token("intake", "cases", user))
    caller = caller_from_internal_claims(claims)
    assert caller.peer == "intake"
    assert caller.actor == user


async def test_wrong_audience_is_refused(keys: TestKeys) -> None:
    token = keys.user_token("intake", actor("ombudsman"))
    with pytest.raises(Unauthorized, match="not meant for this service"):
        await _verifier(keys, "cases").verify(token)


async def test_expired_token_is_refused(keys: TestKeys) -> None:
    token = keys.user_token("cases", actor("ombudsman"), lifetime=-60)
    with pytest.raises(Unauthorized, match="expired"):
        await _verifier(keys).verify(token)


async def test_a_service_key_cannot_speak_for_the_gateway(keys: TestKeys) -> None:
    # Signed by intake's (trusted) key but claiming to be the gateway.
    forged = mint_internal_token(keys.keys["intake"], issuer="gateway", audience="cases",
                                 actor=actor("chief"))  # fmt: skip
    with pytest.raises(Unauthorized, match="does not belong to its issuer"):
        await _verifier(keys).verify(forged)


async def test_untrusted_peer_is_refused(keys: TestKeys) -> None:
    token = keys.peer_token("analytics", "cases")
    with pytest.raises(Unauthorized, match="issuer is not trusted"):
        await _verifier(keys).verify(token)


async def test_unknown_key_is_refused(keys: TestKeys) -> None:
    stranger = SigningKey.for_owner(Ed25519PrivateKey.generate(), "gateway")
    token = mint_internal_token(stranger, issuer="gateway", audience="cases", actor=actor("chief"))
    with pytest.raises(Unauthorized, match="unknown key"):
        await _verifier(keys).verify(token)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_alg_none_is_refused(keys: TestKeys) -> None:
    kid = keys.keys["gateway"].kid
    header = {"alg": "none", "typ": INTERNAL_TOKEN_TYPE, "kid": kid}
    now = int(time.time())
    body = {"iss": "gateway", "aud": "cases", "sub": "x", "iat": now, "exp": now + 60}
    with pytest.raises(Unauthorized, match="algorithm"):
        await _verifier(keys).verify(f"{_b64(header)}.{_b64(body)}.")


async def test_hs256_signed_with_the_public_key_is_refused(keys: TestKeys) -> None:
    jwk = keys.keys["gateway"].public_jwk
    now = int(time.time())
    claims = {"iss": "gateway", "aud": "cases", "sub": "x", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, jwk["x"], algorithm="HS256",
                       headers={"kid": jwk["kid"], "typ": INTERNAL_TOKEN_TYPE})  # fmt: skip
    with pytest.raises(Unauthorized, match="algorithm"):
        await _verifier(keys).verify(token)


async def test_tampered_payload_is_refused(keys: TestKeys) -> None:
    token = keys.user_token("cases", actor("visitor"))
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["chief"]
    with pytest.raises(Unauthorized, match="not valid"):
        await _verifier(keys).verify(f"{header}.{_b64(claims)}.{signature}")


async def test_headers_naming_their_own_keys_are_refused(keys: TestKeys) -> None:
    key = keys.keys["gateway"]
    now = int(time.time())
    claims = {"iss": "gateway", "aud": "cases", "sub": "x", "iat": now, "exp": now + 60}
    token = jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={
        "kid": key.kid, "typ": INTERNAL_TOKEN_TYPE, "jku": "http://127.0.0.1:1/keys"})  # fmt: skip
    with pytest.raises(Unauthorized, match="names its own keys"):
        await _verifier(keys).verify(token)


async def test_static_jwks_document_source() -> None:
    key = SigningKey.for_owner(Ed25519PrivateKey.generate(), "gateway")
    source = JwksKeySource(document=jwks_document([key.public_jwk]))
    found = await source.get(key.kid)
    assert found is not None
    assert await source.get("gateway.unknown") is None


def test_a_reused_token_is_minted_again_only_when_half_its_life_is_gone() -> None:
    minted: list[str] = []

    def mint() -> str:
        minted.append(f"token-{len(minted)}")
        return minted[-1]

    reused = ReusedToken(mint, lifetime=60)
    assert {reused() for _ in range(5)} == {"token-0"}
    always_fresh = ReusedToken(mint, lifetime=0)
    assert [always_fresh() for _ in range(2)] == ["token-1", "token-2"]
