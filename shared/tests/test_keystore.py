"""The key store on its own: what it keeps, what deletion leaves (the forensics test in
tests/test_forensics.py covers the whole system), and what production asks of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ombuds_shared import keystore
from ombuds_shared.config import ConfidentialSettings
from ombuds_shared.crypto import Envelope, KeyDestroyed, generate_master_key, parse_master_keys
from ombuds_shared.keystore import SqlKeyStore


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("secure_delete", [True, False], ids=["as shipped", "plain delete"])
async def test_a_destroyed_key_leaves_no_byte_in_the_store_file(
    tmp_path: Path, secure_delete: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keystore, "SECURE_DELETE", secure_delete)
    path = tmp_path / "svc.keys.db"
    store = SqlKeyStore.from_url(f"sqlite+aiosqlite:///{path}", pool_size=1)
    envelope = Envelope(parse_master_keys(generate_master_key()), store=store)
    try:
        kept = await envelope.create_key("case:kept")
        await envelope.create_key("case:gone")
        wrapped = await store.get("case:gone")
        assert wrapped is not None
        # A second create under the same id returns the stored key, not a new one.
        assert await envelope.create_key("case:kept") == kept
        assert await envelope.destroy_keys(["case:gone"]) == 1
        with pytest.raises(KeyDestroyed):
            await envelope.data_key("case:gone")
        assert await envelope.data_key("case:kept") == kept
    finally:
        await store.close()
    files = _files(tmp_path)
    assert list(files) == ["svc.keys.db"]  # no WAL, no journal left behind
    left = any(wrapped in content for content in files.values())
    assert left is not secure_delete  # a plain delete leaves the key in the page


def test_production_needs_a_key_store_of_its_own() -> None:
    with pytest.raises(ValidationError, match="key_store_url"):
        ConfidentialSettings(environment="production", database_url="postgresql+asyncpg://x/y")
    settings = ConfidentialSettings(
        environment="production",
        database_url="postgresql+asyncpg://x/y",
        key_store_url="postgresql+asyncpg://x/y_keys",
    )
    assert settings.resolved_key_store_url == "postgresql+asyncpg://x/y_keys"
