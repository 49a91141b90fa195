"""The per-request GraphQL context: who is asking, and a way through the gateway."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import State
from strawberry.fastapi import BaseContext

from gateway.auth import authenticate
from gateway.forwarding import forward, hidden_fields
from ombuds_shared.errors import Unauthorized
from ombuds_shared.tokens import Actor


@dataclass
class Context(BaseContext):
    state: State
    actor: Actor

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
        out_headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            out_headers["Content-Type"] = "application/json"
        clean_query = {k: v for k, v in (query or {}).items() if v is not None}
        forwarded = await forward(
            self.state,
            self.actor,
            method,
            path,
            body=payload,
            raw_query=urlencode(clean_query) or None,
            headers=out_headers,
        )
        forwarded.raise_for_problem()
        return forwarded.json()

    def hidden(self, method: str, path: str) -> frozenset[str]:
        """The fields this actor may not see in that route's answer, per the policy."""
        rule = self.state.policy.match(method, path)
        return frozenset(hidden_fields(rule, self.actor.roles))


async def get_context(request: Request) -> Context:
    """Authenticates the caller exactly as the REST routes do."""
    state = request.app.state
    try:
        actor = await authenticate(
            state.external_verifier, state.settings, request.headers.get("Authorization")
        )
    except Unauthorized:
        state.anonymous_limiter.check(request.client.host if request.client else "unknown")
        raise
    state.caller_limiter.check(actor.subject)
    return Context(state=state, actor=actor)
