"""The benchmark's load balancer: connections alternate over replicas; a dead one is skipped.

bench/relay_replicas.py relies on it to spread requests over two replicas of
every service; these tests run it in-process against small TCP servers on
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ombuds_testing import free_port

HOST = "127.0.0.1"


def _load_balancer() -> object:
    # bench/ is not an installed package (tests import in importlib mode): load it by path.
    path = Path(__file__).resolve().parents[1] / "bench" / "balancer.py"
    spec = importlib.util.spec_from_file_location("bench_balancer", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


balancer: Any = _load_balancer()
RoundRobin, serve = balancer.RoundRobin, balancer.serve


@contextlib.asynccontextmanager
async def _replica(name: str) -> AsyncIterator[int]:
    """A server that answers each line with its name and the line, until the client closes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            writer.write(f"{name}:{line.decode()}".encode())
            await writer.drain()
        writer.close()  # the client's close reached us through the balancer

    server = await asyncio.start_server(answer, HOST, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


@contextlib.asynccontextmanager
async def _balancing(backends: list[int]) -> AsyncIterator[Any]:
    route = RoundRobin((HOST, free_port()), [(HOST, port) for port in backends])
    stop, listening = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve([route], stop, listening))
    try:
        await asyncio.wait_for(listening.wait(), 5)
        yield route
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def _ask(listen: tuple[str, int], text: str) -> str:
    reader, writer = await asyncio.open_connection(*listen)
    try:
        writer.write(f"{text}\n".encode())
        await writer.drain()
        return (await asyncio.wait_for(reader.readline(), 5)).decode().strip()
    finally:
        writer.close()


async def test_connections_alternate_over_the_replicas_and_bytes_flow_both_ways() -> None:
    async with _replica("a") as a, _replica("b") as b, _balancing([a, b]) as route:
        answers = [await _ask(route.listen, f"hello {n}") for n in range(6)]
    assert answers == [f"{'ab'[n % 2]}:hello {n}" for n in range(6)]
    assert route.connections == [3, 3]
    assert route.figures() == {f"{HOST}:{a}": 3, f"{HOST}:{b}": 3}


async def test_a_replica_that_is_down_is_skipped() -> None:
    gone = free_port()  # nothing listens there
    async with _replica("a") as alive, _balancing([gone, alive]) as route:
        answers = await asyncio.gather(*(_ask(route.listen, str(n)) for n in range(4)))
    assert sorted(answers) == [f"a:{n}" for n in range(4)]
    assert route.connections == [0, 4]
