"""Speaking GraphQL to the gateway through a real client library (gql over httpx)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

from .conftest import Stack


@asynccontextmanager
async def graphql_as(
    stack: Stack, role: str, *, app: FastAPI | None = None, **claims: str
) -> AsyncIterator[Any]:
    """A gql session for a role, over HTTP to the gateway app (the stack's, or `app`)."""
    app = app or stack.gateway_app
    assert app is not None
    transport = HTTPXAsyncTransport(
        url="http://testserver/graphql",
        headers=stack.auth(role, **claims),
        transport=httpx.ASGITransport(app=app),
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session


async def run(session: Any, document: str, variables: dict[str, Any] | None = None) -> Any:
    """Executes a GraphQL document with its variables through the gql session."""
    request = gql(document)
    request.variable_values = variables
    return await session.execute(request)


async def attempt(session: Any, document: str, variables: dict[str, Any] | None = None) -> Any:
    """Executes a document that may partly fail: (data, errors by their path)."""
    try:
        return await run(session, document, variables), {}
    except TransportQueryError as error:
        by_path = {".".join(str(p) for p in e.get("path") or []): e for e in error.errors or []}
        return error.data, by_path
