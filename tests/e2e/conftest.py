"""The five services as separate processes on 127.0.0.1, started the way `ombuds up` does."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from ombuds import system
from ombuds_testing import TestDatabases, free_port_block

E2E_ENV = {
    "OMBUDS_GATEWAY_ENVIRONMENT": "test",
    # Fuzzing sends thousands of requests from one client; limits have their own test.
    "OMBUDS_GATEWAY_RATE_LIMIT_BURST": "1000000",
    "OMBUDS_GATEWAY_UNAUTHENTICATED_BURST": "1000000",
    "OMBUDS_GATEWAY_RECEIPT_BURST": "1000000",
}


def database_env(databases: TestDatabases) -> dict[str, str]:
    """On PostgreSQL, a fresh database per service; on SQLite, the data folder's files."""
    env: dict[str, str] = {}
    if databases.on_postgres:
        for spec in system.BACKENDS:
            migrations = importlib.import_module(f"{spec.name}.main").MIGRATIONS
            env[f"{spec.env_prefix}DATABASE_URL"] = databases.fresh(spec.name, migrations)
    return env


@contextlib.contextmanager
def system_running(
    data_dir: Path,
    databases: TestDatabases,
    log_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[system.System]:
    """Migrates and starts the whole system; stops it on exit."""
    port = free_port_block(system.PORT_COUNT)
    extra_env = {**E2E_ENV, **database_env(databases), **(env or {})}
    system.migrate(data_dir, port, report=lambda _: None, extra_env=extra_env)
    running = system.System(data_dir, port, extra_env=extra_env, log_dir=log_dir)
    running.start(report=lambda _: None)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def running_system(
    tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases
) -> Iterator[system.System]:
    """A fresh system for one module (its tests may count on what it holds)."""
    with system_running(tmp_path_factory.mktemp("ombuds-data"), databases) as running:
        yield running


@pytest.fixture(scope="package")
def shared_system(
    tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases
) -> Iterator[system.System]:
    """One system for the modules whose tests hold whatever others left in it (the guides
    run twice on one system by design; the walkthroughs use their own ids): starting five
    processes and migrating five databases is the cost of an e2e module."""
    with system_running(tmp_path_factory.mktemp("ombuds-shared"), databases) as running:
        yield running
