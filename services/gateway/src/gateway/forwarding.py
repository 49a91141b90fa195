"""One way through the gateway for REST and GraphQL alike: policy, token, service, filter.

Because both interfaces call `forward`, a role sees the same thing through
either: the policy row decides, and the row's hidden fields are removed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.policy import Rule
from gateway.reference.local import LOCAL_SERVICE, call_local
from gateway.state import GatewayState
from ombuds_shared.errors import Forbidden, UpstreamFailed, error_from_problem
from ombuds_shared.http import RawResponse
from ombuds_shared.i18n import current_language
from ombuds_shared.tokens import Actor

# Who a caller presenting a receipt code is to the services: nobody in particular.
RECEIPT_HOLDER = Actor("receipt-holder", frozenset({"receipt_holder"}))

_FORWARDED_RESPONSE_HEADERS = (
    "content-type",
    "location",
    "retry-after",
    "idempotent-replayed",
    "etag",
    "cache-control",
    # A downloaded report keeps its name (annual-report-2024.pdf).
    "content-disposition",
    # A page's own policy (its style hashes); the security-headers middleware keeps it
    # only if it starts from default-src 'none' (gateway.security_headers).
    "content-security-policy",
)


@dataclass(frozen=True)
class Forwarded:
    status: int
    headers: dict[str, str]
    body: bytes
    rule: Rule

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def raise_for_problem(self) -> None:
        """Raises the AppError a problem response describes (for GraphQL)."""
        if self.status < 400:
            return
        try:
            body = self.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "type" in body:
            raise error_from_problem(self.status, body)
        raise UpstreamFailed(f"The {self.rule.service} service answered {self.status}.")


def hidden_fields(rule: Rule, roles: frozenset[str]) -> list[str]:
    """The fields of this route's answer that these roles may not see."""
    return [name for name, seen_by in rule.fields.items() if not (seen_by & roles)]


async def forward(
    state: GatewayState,
    actor: Actor,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    raw_query: str | None = None,
    headers: Mapping[str, str] | None = None,
    rule: Rule | None = None,
) -> Forwarded:
    """Checks the policy for (method, path), calls the owning service, filters the answer."""
    rule = rule or state.policy.match(method, path)
    # A receipt route admits the gateway's own receipt-holder actor only (gateway.proxy),
    # never a role an identity provider could put in a token.
    if not (rule.allows(actor.roles) or (rule.receipt and actor == RECEIPT_HOLDER)):
        raise Forbidden("Your role may not use this route.")
    cache = state.answer_cache
    cache_key = None
    if rule.cacheable and cache.enabled:
        # Who asks is part of the key: an answer is only ever reused for its own caller.
        cache_key = (rule.service, actor, path, raw_query, current_language())
        if (cached := cache.get(cache_key)) is not None:
            return cached
    # The language negotiated here, so that a service answers in it (REST and GraphQL alike).
    out_headers = {**(headers or {}), "Accept-Language": current_language()}
    if rule.service == LOCAL_SERVICE:
        # The gateway's own routes (reference vocabularies): no token, no hop.
        upstream = await call_local(
            state.local_app,
            method,
            path,
            raw_query=raw_query,
            headers=out_headers,
            body=body,
            actor=actor,
            gateway_state=state,
        )
    else:
        out_headers["Authorization"] = "Bearer " + state.minter.token_for(rule.service, actor)
        client = state.clients[rule.service]
        upstream = await client.send(
            method, path, headers=out_headers, body=body, raw_query=raw_query
        )
    forwarded = _filtered(upstream, rule, actor.roles)
    if cache_key is not None and forwarded.status == 200:
        cache.put(cache_key, forwarded, rule.service)
    elif method != "GET" and forwarded.status < 400 and cache.enabled:
        cache.forget(rule.service)  # what it changed may be a cached answer
    return forwarded


def _filtered(upstream: RawResponse, rule: Rule, roles: frozenset[str]) -> Forwarded:
    content = upstream.body
    lowered = {k.lower(): v for k, v in upstream.headers.items()}
    hidden = hidden_fields(rule, roles)
    if hidden and upstream.status < 300 and "json" in lowered.get("content-type", ""):
        content = json.dumps(_without(json.loads(content), hidden)).encode()
    headers = {k: lowered[k] for k in _FORWARDED_RESPONSE_HEADERS if k in lowered}
    return Forwarded(upstream.status, headers, content, rule)


def _without(document: Any, hidden: list[str]) -> Any:
    """Removes hidden fields from an object, or from each item of a page."""
    if isinstance(document, dict):
        if isinstance(document.get("items"), list):
            document["items"] = [_without(item, hidden) for item in document["items"]]
        for name in hidden:
            document.pop(name, None)
    return document
