"""The CLI's mistakes as a person meets them: one line on stderr, a non-zero exit, no
traceback; and flags that make no sense are refused before anything runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ombuds import system

from .test_cli import _ombuds

pytestmark = pytest.mark.e2e


def _run(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    return subprocess.run(
        [*_ombuds(), "--data-dir", str(tmp_path), *arguments],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (("token", "--role", "visitor", "--ttl", "-5"), "--ttl: must be more than 0"),
        (("token", "--role", "visitor", "--ttl", "soon"), "--ttl: not a whole number"),
        (("token", "--role", "ombudsman"), "add --office"),
        (("token", "--role", "chief"), "add --office"),
        (("token", "--role", "registry"), "add --tribunal"),
        (("token", "--role", "emperor"), "invalid choice"),
        (("--port", "-1", "token", "--role", "visitor"), "--port: must be more than 0"),
        (("up", "--log-level", "loud"), "invalid choice"),
        (("audit", "verify", "--against", "missing-head.json"), "no such file"),
        (("demo", "--gateway", "http://127.0.0.1:9"), "cannot reach"),
    ],
)
def test_a_mistake_is_one_line_and_a_failure(
    tmp_path: Path, arguments: tuple[str, ...], says: str
) -> None:
    result = _run(tmp_path, *arguments)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ombuds"), lines
    assert says in lines[0], lines


def test_a_good_token_still_comes_out(tmp_path: Path) -> None:
    result = _run(tmp_path, "token", "--role", "ombudsman", "--office", "new-york", "--ttl", "60")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().count(".") == 2


def test_the_banner_names_the_data_folder_and_port_it_was_started_with(tmp_path: Path) -> None:
    """The options the banner adds to its token command (the whole run: test_cli)."""
    import argparse

    from ombuds.cli import DEFAULT_DATA_DIR, _where

    custom = argparse.Namespace(data_dir=tmp_path, port=system.DEFAULT_PORT + 100)
    assert _where(custom) == f" --data-dir {tmp_path} --port {system.DEFAULT_PORT + 100}"
    default = argparse.Namespace(data_dir=DEFAULT_DATA_DIR, port=system.DEFAULT_PORT)
    assert _where(default) == ""
