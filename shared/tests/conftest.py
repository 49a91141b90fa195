"""Shared by the tests of ombuds_shared: a peer on 127.0.0.1 that speaks raw bytes, for
what no well-behaved server does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def _raw_peer(answer: Answer) -> AsyncIterator[str]:
    """Serves `answer` for each connection; yields the URL, and cuts every connection after."""
    writers: list[asyncio.StreamWriter] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await answer(reader, writer)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for writer in writers:
            writer.transport.abort()
        server.close()
        await server.wait_closed()


@pytest.fixture
def raw_peer() -> Callable[[Answer], contextlib.AbstractAsyncContextManager[str]]:
    """`async with raw_peer(answer) as url`: serves `answer` for each connection."""
    return _raw_peer
