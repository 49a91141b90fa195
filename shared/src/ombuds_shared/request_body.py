"""Every request body is read under the same guard: size, pace, nesting, disconnects.

The guard wraps the ASGI receive channel, so it applies to every route alike (FastAPI
routes, GraphQL, the gateway's /v1 proxy) without buffering or replaying the body:

- larger than the limit: 413, before a byte is read if Content-Length says so;
- slower than the read timeout (from the request's arrival to its last byte): 408, so
  a client trickling a byte a second cannot hold a request slot for long;
- JSON nested deeper than MAX_JSON_NESTING: 400, checked once the body is complete and
  before anything parses it (Python's parser and pydantic recurse: 1,000 levels were a
  RecursionError, a 500);
- the client gone before its body was read: 499, as nginx says it, never a 5xx.

The refusals are raised from `receive` as BodyRefused (see ombuds_shared.errors), which
the app's exception handlers answer as problem details.
"""

from __future__ import annotations

import asyncio
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ombuds_shared.errors import (
    BadRequest,
    BodyRefused,
    ClientClosedRequest,
    PayloadTooLarge,
    RequestTimeout,
    problem_response,
)

__all__ = [
    "BodyGuardMiddleware",
]

# Real bodies nest a handful of levels; this leaves room for any legitimate document
# while keeping every recursive parser far from Python's recursion limit.
MAX_JSON_NESTING = 64

# A JSON string (skipped whole, brackets in it do not count) or a bracket. A string left
# open runs to the end of the body rather than failing: a failed match would be retried from
# every later quote, quadratic in a hostile body, all of it on the event loop. The possessive
# quantifiers keep each match linear too.
_JSON_STRUCTURE = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)|[\[\]{}]', re.S)
_OPENING = frozenset(b"[{")
_CLOSING = frozenset(b"]}")


def json_nesting_exceeds(body: bytes, limit: int = MAX_JSON_NESTING) -> bool:
    """Whether a JSON text nests arrays and objects deeper than `limit` (without parsing
    it: malformed text is the parser's to refuse afterwards)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # not enough brackets to go that deep: the usual case, in C
    depth = 0
    for token in _JSON_STRUCTURE.finditer(body):
        first = body[token.start()]
        if first in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif first in _CLOSING:
            depth -= 1
    return False


def _may_be_json(scope: Scope) -> bool:
    """Whether the body may be parsed as JSON: a JSON media type, or none said."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return True


class BodyGuardMiddleware:
    """Applies the body limits above to every HTTP request."""

    def __init__(self, app: ASGIApp, max_bytes: int, read_timeout_seconds: float = 10) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout = read_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await problem_response(PayloadTooLarge(f"At most {self.max_bytes} bytes."))(
                scope, receive, send
            )
            return
        await self.app(scope, self._guarded(scope, receive), send)

    def _guarded(self, scope: Scope, receive: Receive) -> Receive:
        deadline = asyncio.get_running_loop().time() + self.read_timeout
        chunks: list[bytes] | None = [] if _may_be_json(scope) else None
        seen = 0
        complete = False

        async def guarded_receive() -> Message:
            nonlocal seen, complete
            if complete:  # the body is in: what follows is a wait for the disconnect
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyRefused(RequestTimeout(
                    f"The request body must arrive within {self.read_timeout:g} seconds."
                )) from None  # fmt: skip
            if message["type"] == "http.disconnect":
                raise BodyRefused(ClientClosedRequest("The client closed the connection."))
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.max_bytes:
                raise BodyRefused(PayloadTooLarge(f"At most {self.max_bytes} bytes."))
            if chunks is not None and body:
                chunks.append(body)
            if not message.get("more_body", False):
                complete = True
                if chunks and json_nesting_exceeds(b"".join(chunks)):
                    raise BodyRefused(BadRequest(
                        f"The JSON body nests deeper than {MAX_JSON_NESTING} levels."
                    ))  # fmt: skip
            return message

        return guarded_receive
