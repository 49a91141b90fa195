"""Test support every Ombuds test suite shares: keys, fresh databases, running apps.

A dev-only package: the dev dependency group installs it, no service imports it
(import-linter contract in pyproject.toml), and no image ships it. The pytest
fixtures are in `ombuds_testing.pytest_plugin`, loaded by the root conftest.
"""

from ombuds_testing._support import (
    SERVICE_NAMES,
    TEST_DATABASE_ENV,
    TestDatabases,
    TestKeys,
    actor,
    app_client,
    bearer,
    comparable_answer,
    environment,
    in_thread,
    run_blocking,
    serve_app,
    stored_key_ids,
)
from ombuds_testing.ports import free_port, free_port_block

__all__ = [
    "SERVICE_NAMES",
    "TEST_DATABASE_ENV",
    "TestDatabases",
    "TestKeys",
    "actor",
    "app_client",
    "bearer",
    "comparable_answer",
    "environment",
    "free_port",
    "free_port_block",
    "in_thread",
    "run_blocking",
    "serve_app",
    "stored_key_ids",
]
