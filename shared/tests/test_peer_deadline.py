"""A call to a peer has one deadline, its retries included.

A peer too slow to answer within the timeout is not asked again: retrying would
give an overloaded peer the same work three times, and keep the caller waiting
three timeouts for its 503. A peer that is away (refused, cut off) is still
tried again while time is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.http import ServiceClient

TIMEOUT_SECONDS = 0.5


@pytest.fixture
async def silent_peer(raw_peer: Any) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A peer on 127.0.0.1 that reads each request and never answers it."""
    requests: list[bytes] = []
    released = asyncio.Event()

    async def keep_silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readuntil(b"\r\n\r\n"))
        await released.wait()

    async with raw_peer(keep_silent) as url:
        try:
            yield url, requests
        finally:
            released.set()


@pytest.mark.parametrize(
    ("method", "headers"),
    [("GET", {}), ("POST", {"idempotency-key": "k-1"})],
    ids=["read", "keyed write"],
)
async def test_a_peer_too_slow_to_answer_is_asked_once_and_the_caller_answered_in_time(
    silent_peer: tuple[str, list[bytes]], method: str, headers: dict[str, str]
) -> None:
    url, requests = silent_peer
    client = ServiceClient(
        url, name="cases", timeout_seconds=TIMEOUT_SECONDS, retries=2, backoff_seconds=0.01
    )
    clock = asyncio.get_running_loop()
    started = clock.time()
    try:
        with pytest.raises(ServiceUnavailable):
            await client.send(method, "/v1/cases", headers=headers, body=b"{}")
    finally:
        await client.close()
    assert len(requests) == 1
    # One timeout and its handling; asked again, it would take three timeouts.
    assert clock.time() - started < TIMEOUT_SECONDS * 2


async def test_a_refused_read_is_still_tried_again_within_the_deadline() -> None:
    """Nothing listens: each attempt fails at once, and the retries fit in the deadline."""
    client = ServiceClient(
        "http://127.0.0.1:9", name="cases", timeout_seconds=5, retries=2, backoff_seconds=0.2
    )
    clock = asyncio.get_running_loop()
    started = clock.time()
    try:
        with pytest.raises(ServiceUnavailable):
            await client.send("GET", "/v1/cases")
    finally:
        await client.close()
    # Two pauses of at least 0.1 s and 0.2 s (backoff 0.2 s, halved at the least): retried.
    assert 0.3 <= clock.time() - started < 5
