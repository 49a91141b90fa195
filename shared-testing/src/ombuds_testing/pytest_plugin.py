"""Pytest fixtures shared by every service's tests (loaded from the root conftest)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ombuds_testing._support import TestDatabases, TestKeys


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> TestKeys:
    """A gateway key and a key per service, with the internal JWKS that trusts them."""
    return TestKeys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    """Fresh, migrated databases per test (SQLite files, or PostgreSQL when configured)."""
    dbs = TestDatabases(tmp_path_factory.mktemp("databases"))
    try:
        yield dbs
    finally:
        dbs.drop_all()


@pytest.fixture(scope="session")
def master_keys() -> str:
    return "test1:" + base64.b64encode(os.urandom(32)).decode()


def settings_overrides(
    name: str,
    *,
    keys: TestKeys,
    data_dir: Path,
    database_url: str | None,
    master: str | None,
    key_store_url: str | None = None,
) -> dict[str, object]:
    """The settings a service needs to run in a test, isolated from the developer's data."""
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": data_dir,
        "signing_key_file": keys.key_file(name),
        "internal_jwks_file": keys.jwks_file,
        "log_json": True,
    }
    if database_url is not None:
        values["database_url"] = database_url
    if master is not None:
        values["master_keys"] = master
    if key_store_url is not None:
        values["key_store_url"] = key_store_url
    return values
