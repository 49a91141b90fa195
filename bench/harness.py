"""What every benchmark needs: PostgreSQL databases, the system as processes, the baseline."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from ombuds import system

ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
HERE = Path(__file__).resolve().parent


def psql(statement: str, dsn: str = ADMIN_DSN) -> None:
    subprocess.run(["psql", dsn, "-qAtc", statement], check=True, capture_output=True, timeout=60)


# Benchmarks of several people may share one PostgreSQL: each run names its own databases,
# so that one run never drops another's from under it.
RUN_SUFFIX = f"_{os.getpid()}"


def fresh_database(name: str) -> str:
    name += RUN_SUFFIX
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    return ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name + RUN_SUFFIX}" WITH (FORCE)')


@contextlib.contextmanager
def running_system(extra_env: Mapping[str, str] | None = None) -> Iterator[system.System]:
    """The five services as processes, each on a fresh PostgreSQL database."""
    data_dir = Path(tempfile.mkdtemp(prefix="ombuds-bench-"))
    port = system.free_port_block()
    # One load generator is one client: the per-client limits would measure themselves.
    env = {
        "OMBUDS_GATEWAY_ENVIRONMENT": "development",
        "OMBUDS_GATEWAY_RATE_LIMIT_BURST": "100000000",
        "OMBUDS_GATEWAY_RATE_LIMIT_PER_SECOND": "100000000",
    }
    for spec in system.BACKENDS:
        dsn = fresh_database(f"ombuds_bench_{spec.name}")
        env[f"{spec.env_prefix}DATABASE_URL"] = dsn.replace(
            "postgresql://", "postgresql+asyncpg://"
        )
        env[f"{spec.env_prefix}LOG_LEVEL"] = "WARNING"
    env.update(extra_env or {})
    system.migrate(data_dir, port, report=lambda _: None, extra_env=env)
    running = system.System(data_dir, port, extra_env=env)
    running.start(report=lambda _: None)
    try:
        yield running
    finally:
        running.stop()
        for spec in system.BACKENDS:
            drop_database(f"ombuds_bench_{spec.name}")


@contextlib.contextmanager
def running_baseline() -> Iterator[str]:
    dsn = fresh_database("ombuds_bench_baseline")
    port = system.free_port_block(1)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env={**os.environ, "BASELINE_DSN": dsn}, cwd=HERE.parent,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + "/docs", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        drop_database("ombuds_bench_baseline")


def load(
    url: str | list[str],
    *,
    method: str = "GET",
    body: str | None = None,
    token: str | None = None,
    concurrency: int = 64,
    duration: float = 20,
    idempotency: bool = False,
) -> dict[str, object]:
    """Runs the load generator in its own process and returns its figures."""
    command = [
        sys.executable,
        "-m",
        "bench.loadgen",
        *[arg for one in ([url] if isinstance(url, str) else url) for arg in ("--url", one)],
        "--method",
        method,
        "--concurrency",
        str(concurrency),
        "--duration",
        str(duration),
    ]
    if body:
        command += ["--body", body]
    if token:
        command += ["--token", token]
    if idempotency:
        command.append("--idempotency")
    output = subprocess.run(command, cwd=HERE.parent, capture_output=True, text=True, check=True,
                            timeout=duration + 120).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def report(name: str, figures: dict[str, object]) -> None:
    line = (
        f"  {name:<34} {figures['rps']:>8} req/s   p50 {figures['p50_ms']:>7} ms   "
        f"p99 {figures['p99_ms']:>7} ms   errors {figures['errors'] or 0}"
    )
    print(line, flush=True)
