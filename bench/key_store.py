"""What the key store costs: creating, opening and destroying data keys, against the in-row
wrapping it replaced (no I/O), on the SQLite key store and, given a URL, on PostgreSQL.

A submission to intake creates one key (`create`); reading a case's notes opens one
(`open`); the case read itself (GET /v1/cases/{id}) touches no key. Each figure is
operations per second at the given concurrency, with p50 and p99 latency.

    uv run python -m bench.key_store [--operations 2000] [--concurrency 16]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from ombuds_shared.crypto import Envelope, generate_master_key, parse_master_keys
from ombuds_shared.db import create_engine
from ombuds_shared.keystore import SqlKeyStore


async def _timed(
    label: str, ids: list[str], operation: Callable[[str], Awaitable[object]], concurrency: int
) -> float:
    latencies: list[float] = []
    queue = list(ids)

    async def worker() -> None:
        while queue:  # ends: every worker takes from the one finite list
            key_id = queue.pop()
            start = time.perf_counter()
            await operation(key_id)
            latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    rate = len(ids) / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    print(f"  {label:<34} {rate:>9,.0f} op/s   p50 {cuts[49] * 1000:6.2f} ms"
          f"   p99 {cuts[98] * 1000:6.2f} ms")  # fmt: skip
    return rate


async def _measure(name: str, url: str, operations: int, concurrency: int) -> None:
    ring = parse_master_keys(generate_master_key())
    store = SqlKeyStore.from_url(url, pool_size=concurrency)
    envelope = Envelope(ring, store=store)
    ids = [f"case:{uuid.uuid4()}" for _ in range(operations)]
    print(f"{name} ({operations} keys, {concurrency} at a time)")
    try:
        await store.get("warm-up")  # creates the table

        async def in_row(key_id: str) -> None:
            envelope.unwrap(envelope.new_wrapped_key(key_id), key_id)

        baseline = await _timed("wrap in the row (before: no I/O)", ids, in_row, concurrency)
        created = await _timed("create (store a new key)", ids, envelope.create_key, concurrency)
        await _timed("open (read and unwrap)", ids, envelope.data_key, concurrency)
        await _timed(
            "destroy (delete, one at a time)", ids, lambda i: store.delete([i]), concurrency
        )
        start = time.perf_counter()
        await store.compact()
        print(f"  compact after {operations} deletions    {time.perf_counter() - start:.3f} s")
        print(f"  a created key costs {1000 / created - 1000 / baseline:.2f} ms of one worker")
    finally:
        await store.close()


async def _postgres_database(admin_url: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    name = f"ombuds_bench_keys_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin_url, pool_size=1)

    async def admin(statement: str) -> None:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(statement))

    await admin(f'CREATE DATABASE "{name}"')

    async def drop() -> None:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await engine.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.keys.db'}"
        await _measure("SQLite key store", url, args.operations, args.concurrency)
    if args.postgres:
        url, drop = await _postgres_database(args.postgres)
        try:
            await _measure("PostgreSQL key store", url, args.operations, args.concurrency)
        finally:
            await drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operations", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", help="an admin URL: a scratch database is made and dropped")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
