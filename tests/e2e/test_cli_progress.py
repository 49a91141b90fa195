"""Long steps show a bar on a terminal, and step lines anywhere else (a log, CI)."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from .test_cli import _ombuds

pytestmark = pytest.mark.e2e


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}


def _on_a_terminal(arguments: list[str], timeout: float = 180.0) -> tuple[int, str]:
    """Runs the command with its stderr on a pseudo-terminal of 100 columns; what it wrote."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    process = subprocess.Popen(
        arguments, stdout=subprocess.PIPE, stderr=terminal, env=_clean_environment()
    )
    os.close(terminal)
    written = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # the terminal closed with the process
                    break
                if not chunk:
                    break
                written += chunk
            elif process.poll() is not None:
                break
        else:
            pytest.fail("the command did not finish in time")
        assert process.stdout is not None
        status = process.wait(timeout=30)
        return status, written.decode(errors="replace") + process.stdout.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)


def test_migrations_show_a_bar_on_a_terminal(tmp_path: Path) -> None:
    status, shown = _on_a_terminal([*_ombuds(), "--data-dir", str(tmp_path), "migrate"])
    assert status == 0, shown
    assert "migrations: 100%" in shown
    assert "4/4" in shown
    assert "migrating intake" not in shown  # the bar replaces the step lines
    assert "migrated   intake, cases, mediation, analytics" in shown


def test_without_a_terminal_each_step_is_a_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [*_ombuds(), "--data-dir", str(tmp_path), "migrate"],
        capture_output=True, text=True, timeout=180, env=_clean_environment(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "%|" not in done.stdout + done.stderr  # no bar in a log
    for service in ("intake", "cases", "mediation", "analytics"):
        assert f"migrating {service}" in done.stdout
