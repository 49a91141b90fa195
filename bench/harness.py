"""What every benchmark needs: PostgreSQL databases, the system as processes, the baseline."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ombuds import system
from ombuds_shared.crypto import generate_master_key
from ombuds_testing import free_port, free_port_block

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


# One load generator is one client: the per-client limits would measure themselves.
BENCH_ENV = {
    "OMBUDS_GATEWAY_ENVIRONMENT": "development",
    "OMBUDS_GATEWAY_RATE_LIMIT_BURST": "100000000",
    "OMBUDS_GATEWAY_RATE_LIMIT_PER_SECOND": "100000000",
    "OMBUDS_GATEWAY_MAX_IN_FLIGHT_PER_CLIENT": "100000",
    "OMBUDS_GATEWAY_LOG_LEVEL": "WARNING",
}


# The services whose data keys live in a key store (ombuds_shared.keystore).
KEY_STORES = ("intake", "cases", "mediation")


@contextlib.contextmanager
def bench_databases() -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database per backend, as the services' settings; dropped afterwards."""
    env: dict[str, str] = {}
    try:
        for spec in system.BACKENDS:
            dsn = fresh_database(f"ombuds_bench_{spec.name}")
            env[f"{spec.env_prefix}DATABASE_URL"] = dsn.replace(
                "postgresql://", "postgresql+asyncpg://"
            )
            env[f"{spec.env_prefix}LOG_LEVEL"] = "WARNING"
            if spec.name in KEY_STORES:  # as in production: a database of its own
                keys = fresh_database(f"ombuds_bench_{spec.name}_keys")
                env[f"{spec.env_prefix}KEY_STORE_URL"] = keys.replace(
                    "postgresql://", "postgresql+asyncpg://"
                )
        yield env
    finally:
        for spec in system.BACKENDS:
            drop_database(f"ombuds_bench_{spec.name}")
            if spec.name in KEY_STORES:
                drop_database(f"ombuds_bench_{spec.name}_keys")


@contextlib.contextmanager
def running_system(extra_env: Mapping[str, str] | None = None) -> Iterator[system.System]:
    """The five services as processes, each on a fresh PostgreSQL database."""
    data_dir = Path(tempfile.mkdtemp(prefix="ombuds-bench-"))
    port = free_port_block(system.PORT_COUNT)
    with bench_databases() as databases:
        env = {**BENCH_ENV, **databases, **(extra_env or {})}
        system.migrate(data_dir, port, report=lambda _: None, extra_env=env)
        running = system.System(data_dir, port, extra_env=env)
        running.start(report=lambda _: None)
        try:
            yield running
        finally:
            running.stop()


@dataclass
class Replicated:
    """Every service as several processes, behind a round-robin balancer per service."""

    data_dir: Path
    balancer_port: int  # the balancer of each service listens on balancer_port + its offset
    replicas: list[system.System]
    extra_env: dict[str, str]
    # Filled when the balancer stops: connections each replica was handed, per service.
    balancer_connections: dict[str, list[int]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        """The service's balancer: where its peers and the load generator send requests."""
        return f"http://{system.HOST}:{self.balancer_port + _spec(name).offset}"


def _spec(name: str) -> system.ServiceSpec:
    return next(s for s in system.SERVICES if s.name == name)


def _port_blocks(count: int) -> list[int]:
    """Base ports of `count` non-overlapping blocks of free ports (one block per service set)."""
    size = len(system.SERVICES)
    bases: list[int] = []
    for _ in range(100):
        base = free_port_block(system.PORT_COUNT)
        if all(abs(base - other) >= size for other in bases):
            bases.append(base)
        if len(bases) == count:
            return bases
    raise RuntimeError("no free blocks of ports found")


def _line_within(process: subprocess.Popen[str], timeout: float) -> str:
    """The next line the process prints, or "" if none comes within `timeout` seconds."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline().strip() if ready else ""


@contextlib.contextmanager
def running_replicas(count: int = 2) -> Iterator[Replicated]:
    """Each of the five services as `count` uvicorn processes on its own port, with a local
    balancer per service in front; every peer URL points at a balancer, as in a cluster."""
    data_dir = Path(tempfile.mkdtemp(prefix="ombuds-bench-"))
    balancer_port, *replica_ports = _port_blocks(1 + count)
    # What the replicas of one service must share, set as a deployment sets it: one master
    # key ring per confidential service, one pseudonym key for every gateway replica.
    shared = {
        f"{spec.env_prefix}MASTER_KEYS": generate_master_key()
        for spec in system.BACKENDS
        if spec.name != "analytics"
    }
    shared["OMBUDS_GATEWAY_PSEUDONYM_KEY"] = base64.b64encode(os.urandom(32)).decode()
    peers = system.service_environment(data_dir, balancer_port)
    offsets = [spec.offset for spec in system.SERVICES] + [system.PRIVATE_OFFSET]
    routes = [
        f"{system.HOST}:{balancer_port + offset}="
        + ",".join(f"{system.HOST}:{port + offset}" for port in replica_ports)
        for offset in offsets
    ]
    with bench_databases() as databases:
        env = {**BENCH_ENV, **databases, **shared}
        system.migrate(data_dir, balancer_port, report=lambda _: None, extra_env=env)
        balancer = subprocess.Popen(
            [sys.executable, "-m", "bench.balancer", *[a for r in routes for a in ("--route", r)]],
            cwd=HERE.parent, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        # The replica's own port for itself; the balancers for everyone else.
        # Each gateway replica's private listener on its own port, behind a balancer too.
        private = "OMBUDS_GATEWAY_PRIVATE_BIND"
        replicas = [system.System(data_dir, port, extra_env={
                        **env, **peers, private: f"{system.HOST}:{port + system.PRIVATE_OFFSET}"})
                    for port in replica_ports]  # fmt: skip
        replicated = Replicated(data_dir, balancer_port, replicas, env)
        try:
            if _line_within(balancer, 30) != "ready":
                raise RuntimeError("the balancer did not start")
            system.ensure_keys(data_dir)
            for replica in replicas:
                for spec in system.SERVICES:
                    replica.start_one(spec.name)
            for replica in replicas:
                replica.wait_healthy(120)
            yield replicated
        finally:
            for replica in replicas:
                replica.stop()
            balancer.terminate()
            out, _ = balancer.communicate(timeout=10)
            figures = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
            for spec in system.SERVICES:
                listen = f"{system.HOST}:{balancer_port + spec.offset}"
                replicated.balancer_connections[spec.name] = list(figures.get(listen, {}).values())


def outbox_pending(service_url: str) -> int:
    """Events a service's outbox still holds for analytics."""
    return int(httpx.get(f"{service_url}/v1/internal/outbox", timeout=5).json()["pending"])


def drain_outboxes(service_urls: list[str], timeout: float = 120) -> float | None:
    """Waits until the services' outboxes are empty (bounded); the seconds it took, or None."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if all(outbox_pending(url) == 0 for url in service_urls):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


@contextlib.contextmanager
def serving(app: str, env: Mapping[str, str], ready_path: str) -> Iterator[str]:
    """An ASGI app (`module:attribute`) under uvicorn on a free loopback port, until the
    block ends; yields its URL once `ready_path` answers 200 (within 30 s)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env={**os.environ, **env}, cwd=HERE.parent,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(url + ready_path, timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def running_baseline() -> Iterator[str]:
    dsn = fresh_database("ombuds_bench_baseline")
    try:
        with serving("bench.baseline_app:app", {"BASELINE_DSN": dsn}, "/docs") as url:
            yield url
    finally:
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
