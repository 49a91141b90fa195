"""A peer that dies after its headers, before its body, is unreachable (503), never a 500.

A service killed (SIGKILL) in the middle of its answer leaves the caller with
a status line and a Content-Length, then a closed connection. Whoever called
cannot know whether a write took effect: the answer is the same as for a
peer that is away, which the client may retry after checking.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.http import ServiceClient

_HEADERS_ONLY = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1116\r\n\r\n"


@pytest.fixture
async def dying_peer(raw_peer: Any) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A peer on 127.0.0.1 that answers each request with headers only, then hangs up."""
    requests: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(_HEADERS_ONLY)
        await writer.drain()
        writer.transport.abort()  # as the kernel does for a killed process

    async with raw_peer(answer) as url:
        yield url, requests


async def _cut_off(url: str, peer: str, call: Callable[[ServiceClient], Awaitable[object]]) -> None:
    """Makes `call` through a client that retries twice; it must end unavailable."""
    client = ServiceClient(url, name=peer, retries=2, backoff_seconds=0.01)
    try:
        with pytest.raises(ServiceUnavailable):
            await call(client)
    finally:
        await client.close()


async def test_a_write_cut_off_mid_answer_is_unavailable_and_not_repeated(
    dying_peer: tuple[str, list[bytes]],
) -> None:
    url, requests = dying_peer
    await _cut_off(
        url,
        "mediation",
        lambda c: c.call("POST", "/v1/mediations/m/close", token="t", json_body={}),
    )
    assert len(requests) == 1  # a write without a key is never sent twice


async def test_a_read_cut_off_mid_answer_is_tried_again_then_unavailable(
    dying_peer: tuple[str, list[bytes]],
) -> None:
    url, requests = dying_peer
    await _cut_off(url, "mediation", lambda c: c.send("GET", "/v1/mediations"))
    assert len(requests) == 3


async def test_a_keyed_write_is_tried_again_whatever_the_case_of_its_key_header(
    dying_peer: tuple[str, list[bytes]],
) -> None:
    url, requests = dying_peer
    # As the gateway forwards it: header names in lower case.
    headers = {"idempotency-key": "k-1"}
    await _cut_off(
        url, "intake", lambda c: c.send("POST", "/v1/intake/requests", headers=headers, body=b"{}")
    )
    assert len(requests) == 3  # the key makes a retry safe
