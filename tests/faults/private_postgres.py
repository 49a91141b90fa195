"""A private PostgreSQL 15 instance for one test, so that it can be stopped and started at will.

The machine's shared cluster serves CI and other engineers: it is never restarted.
This one lives in a temporary folder, listens on 127.0.0.1 on a free port, and
is removed afterwards. initdb refuses to run as root, so as root the server
runs as the `postgres` user (its data folder owned by that user).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ombuds_testing import free_port

BIN_DIR = Path(os.environ.get("OMBUDS_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
# fsync off: the test restarts the server cleanly, it does not crash the machine.
SERVER_OPTIONS = "-c fsync=off -c full_page_writes=off -c max_connections=200"


def missing_binaries() -> str | None:
    """Why a private instance cannot be started here, or None if it can."""
    for tool in ("initdb", "pg_ctl"):
        if not (BIN_DIR / tool).is_file():
            return f"no PostgreSQL server binaries in {BIN_DIR} (set OMBUDS_TEST_POSTGRES_BIN)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser to start PostgreSQL as its own user"
    return None


class PrivatePostgres:
    """One PostgreSQL server of our own: start, stop (fast shutdown) and start again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = free_port()
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(folder, owner.pw_uid, owner.pw_gid)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = [*self._as_postgres, str(BIN_DIR / tool), *args]
        # Fixed tool paths and our own arguments only.
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}")

    def initialize(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-instructions")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} "
            f"-c unix_socket_directories={self.folder} {SERVER_OPTIONS}"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "30", "start")  # fmt: skip

    def stop(self) -> None:
        """Fast shutdown: open transactions are rolled back, clients disconnected."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def stop_if_running(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private server in a temporary folder; stopped and removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix="ombuds-pg-"))
    server = PrivatePostgres(folder)
    try:
        server.initialize()
        server.start()
        yield server
    finally:
        server.stop_if_running()
        shutil.rmtree(folder, ignore_errors=True)
