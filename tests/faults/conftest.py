"""Fault tests: real processes on 127.0.0.1, killed and restarted while a client keeps working."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ombuds import system
from ombuds_testing import TestDatabases

from ..e2e.conftest import system_running
from .delivery import quick_relay_env


@pytest.fixture
def fragile_system(
    tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases
) -> Iterator[system.System]:
    """A fresh system per test, since these tests break it on purpose."""
    with system_running(tmp_path_factory.mktemp("ombuds-faults"), databases) as running:
        yield running


@pytest.fixture
def system_with_quick_relays(
    tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases
) -> Iterator[system.System]:
    """A fresh system whose relays wait at most a few seconds between tries of an event."""
    with system_running(tmp_path_factory.mktemp("ombuds-quick-relays"), databases,
                        env=quick_relay_env()) as running:  # fmt: skip
        yield running
