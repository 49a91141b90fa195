"""Development secrets are created once, whole, even when services race to create them."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

from ombuds_shared.keys import load_or_create_key, load_private_key, write_secret_once

RACERS = 8


def _race(path: str, start: Any, results: Any) -> None:
    content = os.urandom(4096).hex().encode()
    start.wait(timeout=10)
    results.put(write_secret_once(Path(path), content))


def test_racing_processes_all_read_the_one_whole_secret(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.keys"
    context = multiprocessing.get_context("fork")
    start = context.Event()
    results = context.Queue()
    racers = [
        context.Process(target=_race, args=(str(path), start, results)) for _ in range(RACERS)
    ]
    for racer in racers:
        racer.start()
    start.set()
    seen = [results.get(timeout=30) for _ in racers]
    for racer in racers:
        racer.join(timeout=30)

    assert len(set(seen)) == 1
    assert seen[0] == path.read_bytes()
    assert len(seen[0]) == 8192
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert sorted(p.name for p in path.parent.iterdir()) == ["master.keys"]  # no temporaries left


def test_an_existing_secret_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    assert write_secret_once(path, b"first") == b"first"
    assert write_secret_once(path, b"second") == b"first"
    assert path.read_bytes() == b"first"


def test_a_created_signing_key_is_the_one_loaded_later(tmp_path: Path) -> None:
    path = tmp_path / "service.pem"
    created = load_or_create_key(path, create=True)
    again = load_or_create_key(path, create=True)
    assert again.private_bytes_raw() == created.private_bytes_raw()
    assert load_private_key(path).private_bytes_raw() == created.private_bytes_raw()
