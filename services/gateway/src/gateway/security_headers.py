"""Headers that keep browsers and caches from mishandling confidential API responses."""

from __future__ import annotations

import re

from starlette.types import Message, Receive, Scope, Send

from ombuds_shared.asgi import HttpMiddleware
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


# What a page's own policy may name: its own origin and hashes of its own elements;
# data: for images and fonts only; inline styles only (ReDoc's run-time styles), never
# inline scripts. And it must close what default-src does not: framing, <base>, forms.
_PAGE_SOURCE = re.compile(rb"'none'|'self'|'sha256-[A-Za-z0-9+/]+={0,2}'")
_EXTRA_SOURCES = {
    b"img-src": {b"data:"},
    b"font-src": {b"data:"},
    b"style-src": {b"'unsafe-inline'"},
}
_REQUIRED = ([b"frame-ancestors", b"'none'"], [b"base-uri", b"'none'"], [b"form-action", b"'none'"])


def _kept_policy(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the response carries a page policy of its own (the report, a printable
    certificate, the docs pages: `ombuds_shared.pages`). Only one that starts from
    `default-src 'none'`, closes framing, `<base>` and forms, and names nothing but the
    sources above is kept: a page may name what it needs, never lift the default nor load
    from elsewhere."""
    policies = [value for name, value in headers if name.lower() == _CSP]
    if len(policies) != 1 or not policies[0].startswith(_BASE + b";"):
        return False
    directives = [d.split() for d in policies[0].split(b";") if d.strip()]
    names = [directive[0].lower() for directive in directives]
    if len(set(names)) != len(names) or any(rule not in directives for rule in _REQUIRED):
        return False
    return all(
        _PAGE_SOURCE.fullmatch(source) or source in _EXTRA_SOURCES.get(name.lower(), ())
        for name, *sources in directives
        for source in sources
    )


class SecurityHeadersMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not _kept_policy(headers):
                    headers = [(n, v) for n, v in headers if n.lower() != _CSP] + [_API_CSP]
                message["headers"] = [*headers, *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
