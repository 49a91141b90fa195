"""The guides run exactly as written, twice in a row, against one running system.

The code blocks are taken from the markdown as they stand. A block fenced ```bash runs
in the guide's one shell session (bash, -e and pipefail: a failing command fails the
guide); a block fenced ```python runs in the guide's one Python session (the project's
interpreter, one namespace). Both sessions share a working folder, and blocks run in the
order of the guide. Any other fence (```json, ```graphql, ```python webhook-verify, ...)
is for reading only. The one change made to the text is the base URL: the guides'
`http://127.0.0.1:8000` becomes the running gateway's. What a reader would have in their
environment (their access tokens) is in the environment.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ombuds import system
from ombuds.tokens import dev_token

pytestmark = pytest.mark.e2e
DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE_URL = "http://127.0.0.1:8000"
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", flags=re.M | re.S)
_DONE = "__guide_block_done__"
# A block may wait on the system (a relay, a cache), never for ever.
_BLOCK_TIMEOUT_SECONDS = 120


def runnable_blocks(guide: str) -> list[tuple[str, str]]:
    """The guide's executable blocks, in order: (language, code)."""
    text = (DOCS / guide).read_text(encoding="utf-8")
    found = [(info.strip(), code) for info, code in _FENCE.findall(text)]
    return [(language, code) for language, code in found if language in {"bash", "python"}]


class Shell:
    """One bash session for a guide: its variables and functions carry from block to block."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, block: str) -> str:
        """Runs a block; its output, or AssertionError with the output if it failed."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{block}\necho {_DONE}\n")
        self.process.stdin.flush()
        output: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=_BLOCK_TIMEOUT_SECONDS)
            except queue.Empty:
                raise AssertionError("the block did not finish:\n" + "".join(output)) from None
            if line is None:
                raise AssertionError(
                    f"the block failed (exit {self.process.wait(5)}):\n" + "".join(output)
                )
            # The marker may end a line: the block's last output need not end with one.
            if line.rstrip("\n").endswith(_DONE):
                output.append(line.rstrip("\n").removesuffix(_DONE))
                return "".join(output)
            output.append(line)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def inside(tmp_path: Path) -> Iterator[Path]:
    """A working folder of the reader's, the Python session's current folder too."""
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def run_guide(guide: str, gateway: str, folder: Path, reader_env: dict[str, str]) -> None:
    """Runs every executable block of the guide, in order, as written (but the base URL)."""
    blocks = runnable_blocks(guide)
    assert blocks, f"{guide} has no runnable examples"
    assert any(GUIDE_URL in code for _, code in blocks), f"{guide} never names {GUIDE_URL}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    env.update(reader_env)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    shell = Shell(folder, env)
    namespace: dict[str, object] = {"__name__": "__main__"}
    try:
        for number, (language, code) in enumerate(blocks, start=1):
            code = code.replace(GUIDE_URL, gateway)
            where = f"{guide}, block {number} ({language})"
            if language == "bash":
                shell.run(code)
            else:
                exec(compile(code, where, "exec"), namespace)  # noqa: S102 - our own docs
    finally:
        shell.close()
        os.environ.clear()
        os.environ.update(saved)


def _twice(guide: str, running: system.System, folder: Path, reader_env: dict[str, str]) -> None:
    for attempt in ("first", "second"):
        run_folder = folder / attempt
        run_folder.mkdir()
        os.chdir(run_folder)
        run_guide(guide, running.url("gateway"), run_folder, reader_env)


def test_blocks_are_taken_as_fenced() -> None:
    kinds = {guide: [k for k, _ in runnable_blocks(guide)] for guide in _GUIDES}
    assert kinds["registry-guide.md"][0] == "bash"
    assert "python" in kinds["registry-guide.md"]
    assert set(kinds["frontend-guide.md"]) == {"python"}
    for guide in _GUIDES:
        text = (DOCS / guide).read_text(encoding="utf-8")
        # Every fence is closed: an odd count would swallow the prose that follows.
        assert text.count("\n```") % 2 == 0, guide


_GUIDES = ("registry-guide.md", "hr-portal-guide.md", "frontend-guide.md")


def test_registry_guide_runs_as_written(shared_system: system.System, inside: Path) -> None:
    data_dir = shared_system.data_dir
    _twice("registry-guide.md", shared_system, inside, {
        "TOKEN": dev_token(
            data_dir, role="registry", subject="undt-registry", tribunal="dispute_tribunal"
        ),
        "MEDIATOR_TOKEN": dev_token(data_dir, role="mediator", office="mediation-service"),
    })  # fmt: skip


def test_hr_portal_guide_runs_as_written(shared_system: system.System, inside: Path) -> None:
    portal = dev_token(shared_system.data_dir, role="hr_portal", subject="portal-guide")
    _twice("hr-portal-guide.md", shared_system, inside, {"PORTAL_TOKEN": portal})


def test_frontend_guide_runs_as_written(shared_system: system.System, inside: Path) -> None:
    data_dir = shared_system.data_dir
    _twice("frontend-guide.md", shared_system, inside, {
        "VISITOR_TOKEN": dev_token(data_dir, role="visitor", subject="amina-guide"),
        "OMBUDSMAN_TOKEN": dev_token(data_dir, role="ombudsman", office="geneva"),
        "CHIEF_TOKEN": dev_token(data_dir, role="chief", office="geneva"),
        "MEDIATOR_TOKEN": dev_token(data_dir, role="mediator", office="mediation-service"),
        "REGISTRY_TOKEN": dev_token(
            data_dir, role="registry", subject="undt-registry-gva", tribunal="dispute_tribunal"
        ),
    })  # fmt: skip
