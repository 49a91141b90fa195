"""The busiest routes served straight from ASGI, under the same middleware as the rest.

Every request to a FastAPI app passes through Starlette's exception layers,
FastAPI's own wrappers, the router's matching, a Request object, dependency
solving and a Response object. For most routes that is worth its cost. For the
few that carry nearly all the traffic (the gateway's /v1 proxy, a case read, an
intake submission) it was most of the CPU a request took, so they are served by
a plain handler placed inside the app's own middleware: metrics, request id and
logs, tracing, body limit, load shedding and security headers apply to them as
to any route. `json_body` and `validation_errors` give a handler FastAPI's own
answers to bad input.

A handler takes the ASGI scope, the receive channel and its path match, and
returns the whole answer; an AppError it raises leaves as problem details,
exactly as the app's exception handlers would answer it.
"""

from __future__ import annotations

import email.message
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import URL
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from ombuds_shared.errors import AppError, BadRequest, invalid_input, problem_response
from ombuds_shared.request_context import ROUTE_TEMPLATE_KEY

logger = logging.getLogger("ombuds.errors")

# A body is at most the app's body limit (BodySizeLimitMiddleware counts it), so this many
# messages is far more than a client can send; the bound only keeps the loop finite.
_MAX_BODY_MESSAGES = 1_000_000


@dataclass(frozen=True)
class HotResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


HotHandler = Callable[[Scope, Receive, re.Match[str]], Awaitable[HotResponse]]


@dataclass(frozen=True)
class HotRoute:
    methods: frozenset[str] | None  # None: every method, the handler answers each
    pattern: re.Pattern[str]
    # What metrics and logs call the route (a handler may record a finer one).
    template: str
    handler: HotHandler


class HotPathMiddleware:
    """Serves requests that match a hot route with its handler; passes the rest on."""

    def __init__(self, app: ASGIApp, routes: Sequence[HotRoute]) -> None:
        self.app = app
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            for route in self.routes:
                methods = route.methods
                if (methods is None or scope["method"] in methods) and (
                    found := route.pattern.match(path)
                ):
                    await self._serve(route, found, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self, route: HotRoute, found: re.Match[str], scope: Scope, receive: Receive, send: Send
    ) -> None:
        scope[ROUTE_TEMPLATE_KEY] = route.template
        try:
            response = await route.handler(scope, receive, found)
        except AppError as error:
            if error.status >= 500:
                logger.warning("request failed: %s", error.slug, extra={"status": error.status})
            await problem_response(error, public_path(scope))(scope, receive, send)
            return
        headers = response.headers
        if response.status >= 200 and response.status not in (204, 304):
            headers = [*headers, (b"content-length", str(len(response.body)).encode())]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})


def public_path(scope: Scope) -> str:
    """The request's path as Starlette's `request.url.path` gives it, cheaply in the
    usual case (no root path, no decoded '?' or '#' that would end the path there)."""
    path: str = scope["path"]
    if scope.get("root_path") or "?" in path or "#" in path:
        return URL(scope=scope).path
    return path


def header_values(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; the first of repeated ones, as Starlette."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        found.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return found


class _NoBody:
    """The body of a request that sent none (FastAPI's Undefined)."""


NO_BODY = _NoBody()


def json_body(body: bytes, content_type: str | None) -> Any:
    """A request body as FastAPI hands it to validation: NO_BODY when empty, the parsed
    JSON under a JSON media type, else the bytes (which no model accepts). Malformed
    JSON is FastAPI's 422 and undecodable text its 400, before anything else is checked."""
    if not body:
        return NO_BODY
    if content_type is None or not _is_json(content_type):
        return body
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise invalid_input([{"type": "json_invalid", "loc": ("body", exc.pos),
                              "msg": "JSON decode error"}]) from exc  # fmt: skip
    except ValueError as exc:
        raise BadRequest("There was an error parsing the body") from exc


def _is_json(content_type: str) -> bool:
    message = email.message.Message()  # how FastAPI reads the media type
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def validation_errors(
    adapter: TypeAdapter[Any], value: Any, loc: tuple[str, ...]
) -> tuple[Any, list[dict[str, Any]]]:
    """What FastAPI's validation of one parameter gives: the value, or the errors with
    `loc` (where in the request: ("body",), ("header", name)) in front of each."""
    if value is NO_BODY:
        return None, [{"type": "missing", "loc": loc, "msg": "Field required"}]
    try:
        return adapter.validate_python(value, from_attributes=True), []
    except ValidationError as exc:
        return None, [
            {**error, "loc": (*loc, *error["loc"])} for error in exc.errors(include_url=False)
        ]


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    chunks: list[bytes] = []
    for _ in range(_MAX_BODY_MESSAGES):
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
