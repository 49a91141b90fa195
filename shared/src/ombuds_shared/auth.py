"""FastAPI dependencies with which a service admits its callers.

A service trusts nothing but internal tokens: user routes take tokens the
gateway minted for this service; internal routes take peer tokens from the
services listed for that route, and nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from ombuds_shared.dependencies import state_of
from ombuds_shared.errors import Forbidden, Unauthorized
from ombuds_shared.tokens import Actor, Caller, caller_from_internal_claims

__all__ = [
    "bearer_token",
    "parse_bearer",
    "require_peer",
    "require_user",
]


def bearer_token(request: Request) -> str:
    return parse_bearer(request.headers.get("Authorization"))


def parse_bearer(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, or Unauthorized."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.")
    return token.strip()


async def verified_caller(request: Request) -> Caller:
    """Verifies the internal token on the request and says who is calling."""
    claims = await state_of(request.app).token_verifier.verify(bearer_token(request))
    caller = caller_from_internal_claims(claims)
    request.state.caller = caller
    return caller


CallerDep = Annotated[Caller, Depends(verified_caller)]


def require_user(*roles: str) -> Callable[[Request], Awaitable[Actor]]:
    """Admits a user, through the gateway, holding one of `roles`."""

    # The request, not CallerDep: one dependency fewer for FastAPI to solve on every
    # request (verification is cached, so a route that also takes CallerDep pays little).
    async def dependency(request: Request) -> Actor:
        return admitted_user(await verified_caller(request), roles)

    return dependency


def admitted_user(caller: Caller, roles: tuple[str, ...]) -> Actor:
    if caller.is_peer or caller.actor is None:
        raise Forbidden("This route serves users through the gateway only.")
    if roles and not caller.actor.has_any(*roles):
        raise Forbidden("Your role may not do this.")
    return caller.actor


def require_peer(*peers: str) -> Callable[[Request], Awaitable[Caller]]:
    """Admits only the listed peer services (with their acting user, if any)."""

    async def dependency(request: Request) -> Caller:
        caller = await verified_caller(request)
        if caller.peer not in peers:
            raise Forbidden("This internal route is not open to this caller.")
        return caller

    return dependency
