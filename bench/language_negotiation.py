"""What choosing the reader's language costs a request: LanguageMiddleware, in process.

Every app (the gateway and each service) negotiates Accept-Language once per request
and adds Content-Language and Vary. This times a bare ASGI app called directly, with
and without the middleware, in the same run: no network, no server, so the figure is
the middleware's own cost, alternated in rounds so that a busy machine weighs on both.

    uv run python -m bench.language_negotiation [--requests 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from starlette.types import Receive, Scope, Send

from ombuds_shared.i18n import LanguageMiddleware

HEADERS = {
    "none": [],
    "french": [(b"accept-language", b"fr-CH, fr;q=0.9, en;q=0.8")],
    "browser": [(b"accept-language", b"de-DE,de;q=0.9,ar;q=0.8,en-US;q=0.7,en;q=0.6")],
}


async def bare(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    return None


async def per_request_us(app: Any, headers: list[tuple[bytes, bytes]], requests: int) -> float:
    scope = {"type": "http", "method": "GET", "path": "/v1/x", "headers": headers}
    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), _receive, _send)
    return (time.perf_counter() - started) / requests * 1e6


async def main(requests: int, rounds: int) -> dict[str, Any]:
    wrapped = LanguageMiddleware(bare)
    figures: dict[str, Any] = {}
    for name, headers in HEADERS.items():
        without, with_language = [], []
        for _ in range(rounds):
            without.append(await per_request_us(bare, headers, requests))
            with_language.append(await per_request_us(wrapped, headers, requests))
        base, added = min(without), min(with_language)
        figures[name] = {
            "bare_us": round(base, 2),
            "with_language_us": round(added, 2),
            "added_us": round(added - base, 2),
        }
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.requests, args.rounds)), indent=2))
