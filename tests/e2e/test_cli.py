"""The operator's command as a person runs it: `ombuds up`, Ctrl-C, `ombuds token`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ombuds import system
from ombuds.tokens import dev_token
from ombuds_shared.reference import INITIAL_OFFICES
from ombuds_testing import free_port_block

pytestmark = pytest.mark.e2e


def _ombuds() -> list[str]:
    found = shutil.which("ombuds", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "ombuds.cli"]


def test_up_serves_demo_data_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port_block(system.PORT_COUNT)
    command = [*_ombuds(), "--data-dir", str(tmp_path), "--port", str(port), "up"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env)  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 300  # a first start loads years of demo history
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ombuds is up" in line:
                break
        assert any("Ombuds is up" in line for line in lines), "".join(lines)
        # Quiet: status lines only; the services' JSON logs are in files of the data folder.
        assert not [line for line in lines if line.lstrip().startswith("{")], "".join(lines)
        assert (tmp_path / "logs" / "gateway.log").is_file()
        # The banner's token command, as printed, reaches this system (its folder and port).
        for _ in range(5):  # the banner's few lines after "Ombuds is up"
            lines.append(process.stdout.readline())
            if "Mint a token:" in lines[-1]:
                break
        [banner] = [line for line in lines if "Mint a token:" in line]
        printed = banner.split("uv run ombuds", 1)[1].split()
        assert printed[:4] == ["--data-dir", str(tmp_path), "--port", str(port)], banner
        gateway = f"http://127.0.0.1:{port}"
        token = subprocess.run(
            [*_ombuds(), *printed], capture_output=True, text=True, check=True, timeout=60,
        ).stdout.strip()  # fmt: skip
        assert token.count(".") == 2
        chief = dev_token(tmp_path, role="chief", subject="chief", office="new-york")
        # The banner's ombudsman token is accepted by this gateway.
        as_banner = {"Authorization": f"Bearer {token}"}
        banner_token = httpx.get(f"{gateway}/v1/cases", headers=as_banner, timeout=10)
        assert banner_token.status_code == 200, banner_token.text
        queue = httpx.get(f"{gateway}/v1/intake/requests?limit=200",
                          headers={"Authorization": f"Bearer {chief}"}, timeout=10)  # fmt: skip
        assert queue.status_code == 200
        assert queue.json()["items"], "demo data should be there on first start"
        states: set[str] = set()
        for office, *_ in INITIAL_OFFICES:
            chief = dev_token(tmp_path, role="chief", subject="chief", office=office)
            cases = httpx.get(
                f"{gateway}/v1/cases?limit=200",
                headers={"Authorization": f"Bearer {chief}"},
                timeout=10,
            )
            states |= {case["status"] for case in cases.json()["items"]}
        assert states == {"opened", "in_progress", "on_hold", "closed"}, "demo cases in every state"
    finally:
        process.send_signal(signal.SIGINT)
        remaining, _ = process.communicate(timeout=30)
    assert process.returncode == 0, remaining
    assert "Stopped." in remaining
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
