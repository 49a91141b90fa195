"""The leanest Python hop we can write: raw ASGI on uvicorn, one aiohttp session, nothing else.

No authentication, no policy, no logs, no metrics, no error handling: it only
passes a GET on to `LEAN_PROXY_UPSTREAM` and hands back the status and body.
It is not part of Ombuds; bench/hop_ceiling.py puts it in front of the
baseline to measure what any extra Python hop costs on this machine.
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp
from starlette.types import Receive, Scope, Send

UPSTREAM = os.environ.get("LEAN_PROXY_UPSTREAM", "http://127.0.0.1:8001")
_session: dict[str, aiohttp.ClientSession] = {}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    async with _session["client"].get(UPSTREAM + scope["path"]) as upstream:
        body = await upstream.read()
        status = upstream.status
    headers: list[Any] = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    for _ in range(2):  # startup, then shutdown
        message = await receive()
        if message["type"] == "lifespan.startup":
            connector = aiohttp.TCPConnector(limit=100)
            _session["client"] = aiohttp.ClientSession(connector=connector)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await _session["client"].close()
            await send({"type": "lifespan.shutdown.complete"})
            return
