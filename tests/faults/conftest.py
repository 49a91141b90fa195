"""Fault tests: real processes on 127.0.0.1, killed and restarted while a client keeps working."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ombuds import system
from ombuds_shared.testing import TestDatabases

from ..e2e.conftest import system_running


@pytest.fixture
def fragile_system(
    tmp_path_factory: pytest.TempPathFactory, databases: TestDatabases
) -> Iterator[system.System]:
    """A fresh system per test, since these tests break it on purpose."""
    with system_running(tmp_path_factory.mktemp("ombuds-faults"), databases) as running:
        yield running
