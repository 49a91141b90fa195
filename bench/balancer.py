"""A local TCP load balancer: round robin over the replicas of a service, per connection.

It stands in for what spreads traffic over replicas in a deployment (a
Kubernetes Service balances connections, not requests, in the same way): each
accepted connection goes to the next replica in turn, and a replica that
refuses the connection is skipped for the next one. No HTTP parsing, so the
balancer costs little of the two cores the benchmark shares with the services.

    python -m bench.balancer --route 127.0.0.1:8000=127.0.0.1:9000,127.0.0.1:9100 [--route ...]

On SIGTERM or SIGINT it prints, as one JSON line, how many connections each
replica received, and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field

CONNECT_TIMEOUT_SECONDS = 2.0
CHUNK_BYTES = 64 * 1024

Address = tuple[str, int]


def parse_address(text: str) -> Address:
    host, _, port = text.rpartition(":")
    return host, int(port)


@dataclass
class RoundRobin:
    """Hands each new connection to the next backend; counts the connections each took."""

    listen: Address
    backends: list[Address]
    connections: list[int] = field(default_factory=list)
    _turn: int = 0

    def __post_init__(self) -> None:
        self.connections = [0] * len(self.backends)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        count = len(self.backends)
        first, self._turn = self._turn, (self._turn + 1) % count
        # Each backend at most once per connection, starting at this connection's turn.
        for index in ((first + step) % count for step in range(count)):
            host, port = self.backends[index]
            try:
                streams = await asyncio.wait_for(
                    asyncio.open_connection(host, port), CONNECT_TIMEOUT_SECONDS
                )
            except (OSError, TimeoutError):
                continue  # that replica is down: the next one takes the connection
            self.connections[index] += 1
            return streams
        return None

    async def handle(self, client: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        upstream = await self._connect()
        if upstream is None:
            client_out.close()
            return
        backend, backend_out = upstream
        await asyncio.gather(_pipe(client, backend_out), _pipe(backend, client_out))

    def figures(self) -> dict[str, int]:
        return {f"{h}:{p}": n for (h, p), n in zip(self.backends, self.connections, strict=True)}


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copies bytes until the source closes, then closes the sink's side."""
    try:
        while chunk := await source.read(CHUNK_BYTES):
            sink.write(chunk)
            await sink.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if sink.can_write_eof():
                sink.write_eof()
            sink.close()


async def serve(
    routes: Sequence[RoundRobin], stop: asyncio.Event, listening: asyncio.Event | None = None
) -> None:
    """Listens on every route's address until `stop` is set (`listening` is set once it does)."""
    servers = [await asyncio.start_server(r.handle, *r.listen, backlog=1024) for r in routes]
    if listening is not None:
        listening.set()
    try:
        await stop.wait()
    finally:
        for server in servers:
            server.close()
        for server in servers:
            # Bounded: clients still connected (keep-alive) are cut when the process exits.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 1)


def parse_route(text: str) -> RoundRobin:
    listen, _, backends = text.partition("=")
    return RoundRobin(parse_address(listen), [parse_address(b) for b in backends.split(",")])


async def _main(routes: list[RoundRobin]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print("ready", flush=True)
    await serve(routes, stop)
    figures = {f"{r.listen[0]}:{r.listen[1]}": r.figures() for r in routes}
    print(json.dumps(figures), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--route", action="append", required=True, type=parse_route,
                        help="LISTEN=BACKEND,BACKEND,... (host:port each)")  # fmt: skip
    args = parser.parse_args()
    try:
        import uvloop  # the services use it too, through uvicorn
    except ImportError:
        asyncio.run(_main(args.route))
    else:
        uvloop.run(_main(args.route))


if __name__ == "__main__":
    main()
