"""The work of one case creation, counted: statements and transactions per creation on the
cases service's data database and key store, in-process on PostgreSQL.

Wall-clock figures on a shared 2-core machine move with the load of others; the
counts do not. The cases app runs in this process (httpx's ASGITransport, its lifespan
run, real JWTs) against fresh PostgreSQL databases, and `--clients` callers open cases
at once, `--per-client` each. `--profile` adds cProfile's top functions by own time.

    uv run python -m bench.case_openings [--clients 64] [--per-client 10] [--profile]
        [--admin-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from cases.config import CasesSettings
from cases.main import MIGRATIONS, create_app
from ombuds_shared.crypto import generate_master_key
from ombuds_shared.dependencies import state_of
from ombuds_shared.tokens import Actor
from ombuds_testing import TestDatabases, TestKeys, app_client, bearer
from ombuds_testing.pytest_plugin import settings_overrides

CASE = {
    "pillar": "secretariat",
    "location": "headquarters",
    "occupational_group": "general_service",
    "intake_channel": "in_person",
}


def _count(engine: AsyncEngine, into: Counter[str], name: str) -> None:
    def counter(what: str) -> Any:
        def count(*_: Any, **__: Any) -> None:
            into[f"{name} {what}"] += 1

        return count

    event.listen(engine.sync_engine, "before_cursor_execute", counter("statements"))
    for what in ("begin", "commit", "rollback"):
        event.listen(engine.sync_engine, what, counter(what))


async def run(admin_url: str, clients: int, per_client: int, profile: bool) -> None:
    logging.disable(logging.INFO)  # access logs would be most of the work measured
    folder = Path(tempfile.mkdtemp())
    keys = TestKeys(folder / "keys")
    databases = TestDatabases(folder / "databases", admin_url)
    try:
        settings = settings_overrides(
            "cases",
            keys=keys,
            data_dir=folder,
            database_url=databases.fresh("cases", MIGRATIONS),
            master=generate_master_key(),
            key_store_url=databases.empty("cases_keys"),
        )
        app = create_app(CasesSettings(**settings))  # type: ignore[arg-type]
        async with app_client(app) as client:
            counts: Counter[str] = Counter()
            state = state_of(app)
            assert state.envelope is not None
            assert state.envelope.store is not None
            _count(state.engine, counts, "data")
            _count(state.envelope.store.engine, counts, "key store")
            ombudsman = Actor("bench-omb", frozenset({"ombudsman"}), "geneva")
            headers = bearer(keys.user_token("cases", ombudsman, lifetime=600))
            warm = await client.post("/v1/cases", json=CASE, headers=headers)
            assert warm.status_code == 201, warm.text
            counts.clear()
            latencies: list[float] = []

            async def caller() -> None:
                for _ in range(per_client):
                    start = time.perf_counter()
                    answer = await client.post("/v1/cases", json=CASE, headers=headers)
                    assert answer.status_code == 201, answer.text
                    latencies.append(time.perf_counter() - start)

            profiler = cProfile.Profile() if profile else None
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            await asyncio.gather(*(caller() for _ in range(clients)))
            if profiler:
                profiler.disable()
            took = time.perf_counter() - started
    finally:
        databases.drop_all()
    total = clients * per_client
    latencies.sort()
    print(f"{total} creations by {clients} clients in {took:.1f} s (in-process): "
          f"{total / took:.0f}/s, p50 {latencies[total // 2] * 1000:.0f} ms, "
          f"p99 {latencies[int(total * 0.99)] * 1000:.0f} ms")  # fmt: skip
    for name in sorted(counts):
        print(f"  {name:<22} {counts[name]:>6}  {counts[name] / total:.2f} per creation")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--per-client", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--admin-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    asyncio.run(run(args.admin_url, args.clients, args.per_client, args.profile))


if __name__ == "__main__":
    main()
