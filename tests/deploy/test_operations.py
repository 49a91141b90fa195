"""The operator's commands: migrate one database, generate keys, rotate them without downtime."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.config import GatewaySettings
from gateway.events.pseudonym import load_pseudonym_key
from gateway.main import create_app as create_gateway
from intake.config import IntakeSettings
from intake.request.fingerprint import load_fingerprint_key
from ombuds.ops import main as ops_main
from ombuds_shared.keys import SigningKey, load_private_key
from ombuds_shared.tokens import JwksKeySource, TokenVerifier, mint_internal_token
from ombuds_testing import TestDatabases, app_client, free_port

from .conftest import ROOT


def _migrate(url: str, *flags: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OMBUDS_CASES_DATABASE_URL": url, "OMBUDS_CASES_ENVIRONMENT": "test"}
    return subprocess.Popen(
        [sys.executable, "-m", "cases.migrate", *flags],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _run(url: str, *flags: str) -> int:
    process = _migrate(url, *flags)
    _, err = process.communicate(timeout=120)
    assert "Traceback" not in err, err
    return process.returncode


def _empty_database(databases: TestDatabases, tmp_path: Path) -> str:
    if not databases.on_postgres:
        return f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    name = f"{databases.prefix}_empty_{uuid.uuid4().hex[:8]}"
    databases._admin(f'CREATE DATABASE "{name}"')
    databases.created.append(name)
    return databases._url_for(name)


def test_migrate_brings_an_empty_database_to_head_and_check_says_so(
    databases: TestDatabases, tmp_path: Path
) -> None:
    url = _empty_database(databases, tmp_path)
    assert _run(url, "--check") == 1  # behind: a pod would keep waiting
    # Two runs at once, as two replicas' jobs might: they take turns, both succeed.
    first, second = _migrate(url), _migrate(url)
    for process in (first, second):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "at head" in out
    assert _run(url, "--check") == 0
    assert _run(url) == 0  # and again: nothing to do is not an error


def test_certificate_and_pseudonym_keys_for_a_deployment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "secrets"
    assert ops_main(["certificate-key", str(folder)]) == 0
    key = folder / "certificate-signing.pem"
    assert isinstance(load_private_key(key), Ed25519PrivateKey)
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    before = key.read_bytes()
    assert ops_main(["certificate-key", str(folder)]) == 1  # never replaced
    assert key.read_bytes() == before
    assert ops_main(["certificate-key", str(folder), "--label", "next"]) == 0
    assert (folder / "certificate-signing.next.pem").exists()
    capsys.readouterr()
    assert ops_main(["pseudonym-key"]) == 0
    printed = capsys.readouterr().out.strip()
    assert len(base64.b64decode(printed, validate=True)) == 32
    settings = GatewaySettings(environment="production", oidc_jwks_url="https://idp/jwks",
                               oidc_issuer="https://idp/", pseudonym_key=printed,
                               private_bind="0.0.0.0:8010")  # fmt: skip
    assert load_pseudonym_key(settings) == base64.b64decode(printed)


def test_intakes_fingerprint_key_for_a_deployment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ops_main(["fingerprint-key"]) == 0
    printed = capsys.readouterr().out.strip()
    production = {
        "environment": "production",
        "database_url": "postgresql+asyncpg://x/y",
        "key_store_url": "postgresql+asyncpg://x/y_keys",
    }
    settings = IntakeSettings(**production, fingerprint_key=printed, data_dir=tmp_path)
    assert load_fingerprint_key(settings) == base64.b64decode(printed)
    # Without it, production intake does not start (no key is invented for it).
    with pytest.raises(FileNotFoundError):
        load_fingerprint_key(IntakeSettings(**production, data_dir=tmp_path))
    assert not (tmp_path / "keys").exists()


def test_secrets_are_written_once_and_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    assert ops_main(["secrets", str(folder)]) == 0
    before = {p.name: p.read_bytes() for p in folder.rglob("*.pem")}
    assert len(before) == 10
    assert oct((folder / "intake.pem").stat().st_mode & 0o777) == "0o600"
    assert ops_main(["secrets", str(folder)]) == 1
    assert {p.name: p.read_bytes() for p in folder.rglob("*.pem")} == before


async def test_the_gateway_publishes_next_keys_so_rotation_needs_no_downtime(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "secrets"
    assert ops_main(["secrets", str(folder)]) == 0
    assert ops_main(["secrets", str(folder), "--label", "next"]) == 0
    settings = GatewaySettings(
        environment="test",
        data_dir=tmp_path,
        signing_key_file=folder / "gateway.pem",
        service_keys_dir=folder / "public",
        private_bind=f"127.0.0.1:{free_port()}",
    )
    async with (
        app_client(create_gateway(settings)),
        httpx.AsyncClient(base_url=f"http://{settings.private_bind}") as private,
    ):
        document = (await private.get("/internal/jwks.json")).json()
    kids = [key["kid"] for key in document["keys"]]
    assert len(kids) == len(set(kids)) == 10  # current and next of each; own key once
    # A service already signing with its next key is trusted before the switch completes.
    current = SigningKey.for_owner(load_private_key(folder / "intake.pem"), "intake")
    upcoming = SigningKey.for_owner(load_private_key(folder / "intake.next.pem"), "intake")
    verifier = TokenVerifier(JwksKeySource(document=document), audience="cases", issuers={"intake"})
    for key in (current, upcoming):
        token = mint_internal_token(key, issuer="intake", audience="cases", actor=None)
        claims = await verifier.verify(token)
        assert claims["sub"] == "service:intake"


def test_a_database_url_never_shows_its_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://cases:s3cret-pw@127.0.0.1:1/nowhere"
    process = _migrate(url, "--check")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    assert "database unreachable" in out
    assert "Traceback" not in err
    assert "s3cret-pw" not in out + err
