"""Headers that keep browsers and caches from mishandling confidential API responses."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ombuds_shared.pages import BASE_POLICY

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_CSP = b"content-security-policy"
# The API never serves active content: nothing loads, nothing runs, no inline style.
_API_CSP = (_CSP, b"default-src 'none'; frame-ancestors 'none'")
_BASE = BASE_POLICY.encode()


def _kept_policy(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the response carries a page policy of its own (the report, a printable
    certificate, the docs pages: `ombuds_shared.pages`). Only one that starts from
    `default-src 'none'` is kept: a page may name what it needs, never lift the default."""
    policies = [value for name, value in headers if name.lower() == _CSP]
    return len(policies) == 1 and policies[0].startswith(_BASE + b";")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not _kept_policy(headers):
                    headers = [(n, v) for n, v in headers if n.lower() != _CSP] + [_API_CSP]
                message["headers"] = [*headers, *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
