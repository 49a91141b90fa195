"""What the gateway's lifespan builds, typed: one GatewayState per app, read with
`gateway_state(app)` (the private listener shares the public app's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette

if TYPE_CHECKING:
    # Their modules read this state: runtime imports would be circular.
    from fastapi import FastAPI

    from gateway.answer_cache import AnswerCache
    from gateway.certificate_keys import CertificateKeyCache
    from gateway.config import GatewaySettings
    from gateway.events.pseudonym import Pseudonymizer
    from gateway.events.router import EventTokens
    from gateway.forwarding import Forwarded
    from gateway.internal_tokens import InternalTokenMinter
    from gateway.policy import Policy
    from gateway.ratelimit import RateLimiter
    from ombuds_shared.http import ServiceClient
    from ombuds_shared.keys import SigningKey
    from ombuds_shared.tokens import TokenVerifier


@dataclass(slots=True)
class GatewayState:
    settings: GatewaySettings
    policy: Policy
    # The routes the gateway answers itself (reference data), called in process.
    local_app: FastAPI
    answer_cache: AnswerCache[Forwarded]
    caller_limiter: RateLimiter
    anonymous_limiter: RateLimiter
    receipt_limiter: RateLimiter
    # Verifies the identity provider's tokens (or the development issuer's).
    external_verifier: TokenVerifier
    minter: InternalTokenMinter
    internal_key: SigningKey
    internal_jwks: list[dict[str, Any]]
    # Verifies the producing services' own tokens on the event ingress.
    peer_verifier: TokenVerifier
    pseudonymizer: Pseudonymizer
    event_tokens: EventTokens
    public_jwks: list[dict[str, Any]]
    clients: dict[str, ServiceClient]
    certificate_keys: CertificateKeyCache
    # Staff already pushed to intake's directory by this process (see staff_sync).
    staff_signed_in: set[str] = field(default_factory=set)
    combined_openapi: dict[str, Any] | None = None


def gateway_state(app: Starlette) -> GatewayState:
    """The gateway's state (only there while its lifespan runs)."""
    state = getattr(app.state, "gateway", None)
    if not isinstance(state, GatewayState):
        raise RuntimeError("The gateway's lifespan has not run: no GatewayState on the app.")
    return state
