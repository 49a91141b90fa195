"""Pieces of the ASGI middlewares the apps stack: what each of them would otherwise repeat."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HttpMiddleware", "ResponseStatus", "method_label"]

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMiddleware:
    """A middleware for HTTP requests (`handle`); anything else (lifespan) passes by."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class ResponseStatus:
    """A `send` that passes every message on and keeps the response's status: 500 until
    the response starts, as an app that fails before answering has failed."""

    __slots__ = ("_send", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


def method_label(scope: Scope) -> str:
    """The request's method for a metric or a span: the client chooses it, so an unknown
    one is OTHER rather than a new series."""
    method: str = scope["method"]
    return method if method in _METHODS else "OTHER"
