"""The per-request GraphQL context: who is asking, a way through the gateway, and its loaders."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from gateway.auth import authenticate_with_claims
from gateway.forwarding import forward, hidden_fields
from gateway.graphql.loaders import Loaders
from gateway.ratelimit import client_key
from gateway.staff_sync import note_sign_in
from gateway.state import GatewayState, gateway_state
from ombuds_shared.errors import BadRequest, Unauthorized
from ombuds_shared.tokens import Actor


@dataclass
class Context(BaseContext):
    state: GatewayState
    actor: Actor
    # Calls made to the services for this operation; bounded by the settings (fan-out guard).
    service_calls: int = 0
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self)

    async def rest(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Calls a public route as this actor would over REST; a problem is raised."""
        rule = self.state.policy.match(method, path)
        if rule.allows(self.actor.roles):  # a refused call never reaches a service
            limit = self.state.settings.graphql_max_service_calls
            if self.service_calls >= limit:
                raise BadRequest(
                    f"This operation needs more than {limit} calls to the services; "
                    "ask for fewer items, or fewer fields of each."
                )
            self.service_calls += 1
        out_headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            out_headers["Content-Type"] = "application/json"
        clean_query = {k: v for k, v in (query or {}).items() if v is not None}
        if method != "GET":
            # A change makes what this request loaded before it stale.
            self.loaders.clear()
        forwarded = await forward(
            self.state,
            self.actor,
            method,
            path,
            body=payload,
            raw_query=urlencode(clean_query, doseq=True) or None,
            headers=out_headers,
            rule=rule,
        )
        forwarded.raise_for_problem()
        return forwarded.json()

    def hidden(self, method: str, path: str) -> frozenset[str]:
        """The fields this actor may not see in that route's answer, per the policy."""
        rule = self.state.policy.match(method, path)
        return frozenset(hidden_fields(rule, self.actor.roles))


GqlInfo = Info[Context, None]


async def get_context(request: Request) -> Context:
    """Authenticates the caller exactly as the REST routes do."""
    state = gateway_state(request.app)
    try:
        actor, claims = await authenticate_with_claims(
            state.external_verifier, state.settings, request.headers.get("Authorization")
        )
    except Unauthorized:
        state.anonymous_limiter.check(client_key(request.client.host if request.client else None))
        raise
    state.caller_limiter.check(actor.subject)
    await note_sign_in(state, actor, claims)
    return Context(state=state, actor=actor)
