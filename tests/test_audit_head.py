"""The audit chains' heads, signed and exported: a log cut short or rewritten is detected.

Plain chain verification cannot tell an intact log from one an attacker with
database access rewrote from scratch (every hash recomputed, heads moved).
A head exported earlier, signed with the cases service's key and kept
elsewhere, can: today's chains must still pass through the entries it names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cases.audit.models import AuditEvent, AuditHead
from cases.main import MIGRATIONS
from ombuds.audit import export_cases_head, trusted_keys
from ombuds.cli import main
from ombuds_shared.audit import (
    GENESIS_HASH,
    HEAD_TYPE,
    ChainHead,
    HeadRefused,
    append,
    entry_hash,
    read_heads,
    read_signed_head,
    sign_heads,
    verify,
    verify_against,
)
from ombuds_shared.db import create_engine, create_session_maker
from ombuds_shared.keys import SigningKey, public_key_from_jwk
from ombuds_shared.testing import TestDatabases, TestKeys, actor, environment, run_blocking

from .cases_helpers import opened_case
from .conftest import Stack

ENTRIES = 120


async def _fill(url: str, entries: int, start: int = 0) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_maker(engine)() as session:
            who = actor("ombudsman", office="geneva")
            for n in range(start, start + entries):
                await append(session, AuditEvent, AuditHead, actor=who, action="case.read",
                             record_type="case", record_id=f"case-{n % 29}")  # fmt: skip
            await session.commit()
    finally:
        await engine.dispose()


async def _rewrite(conn: AsyncConnection, chain: int, seq: int, **changes: Any) -> None:
    """Edits one entry and recomputes the rest of its chain and its head, as an attacker
    with write access to the database would: the chain verifies again afterwards."""
    table = AuditEvent.__table__
    rows = [
        dict(r)
        for r in (
            await conn.execute(select(table).where(table.c.chain == chain).order_by(table.c.seq))
        ).mappings()
    ]
    prev_hash = rows[seq - 2]["hash"] if seq > 1 else GENESIS_HASH
    rows[seq - 1].update(changes)
    for row in rows[seq - 1 :]:
        row["prev_hash"], row["hash"] = prev_hash, entry_hash(row, prev_hash)
        values = {k: row[k] for k in (*changes, "prev_hash", "hash")}
        await conn.execute(update(table).where(table.c.id == row["id"]).values(**values))
        prev_hash = row["hash"]
    await _set_head(conn, chain, len(rows), prev_hash)


async def _set_head(conn: AsyncConnection, chain: int, seq: int, digest: str) -> None:
    head = AuditHead.__table__
    await conn.execute(update(head).where(head.c.chain == chain).values(seq=seq, hash=digest))


async def _cut(conn: AsyncConnection, chain: int, keep: int) -> None:
    """Deletes a chain's newest entries and moves its head back, consistently."""
    table = AuditEvent.__table__
    await conn.execute(delete(table).where(table.c.chain == chain, table.c.seq > keep))
    last = (
        await conn.execute(select(table.c.hash).where(table.c.chain == chain, table.c.seq == keep))
    ).scalar_one_or_none()
    await _set_head(conn, chain, keep, last or GENESIS_HASH)


def _cases_keys(keys: TestKeys) -> dict[str, Any]:
    public = keys.keys["cases"].public_jwk
    return {public["kid"]: public_key_from_jwk(public)}


async def test_a_signed_head_detects_a_log_cut_short_or_rewritten(
    databases: TestDatabases, keys: TestKeys
) -> None:
    url = databases.fresh("cases", MIGRATIONS)
    await _fill(url, ENTRIES)
    exported = await export_cases_head(url, keys.keys["cases"])
    earlier = read_signed_head(exported, _cases_keys(keys), service="cases")
    assert earlier.entries == ENTRIES
    await _fill(url, 30, start=ENTRIES)  # the log grows afterwards, as it should
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            assert (await verify(conn, AuditEvent, AuditHead)).intact
            assert await verify_against(conn, AuditEvent, AuditHead, earlier) == []
            await conn.rollback()  # each attack below runs in a transaction of its own
            busy = max(earlier.heads, key=lambda h: h.seq)
            attacks = {
                "an entry rewritten, every later hash recomputed": lambda: _rewrite(
                    conn, busy.chain, 2, subject="someone-else"
                ),
                "the newest entries deleted, the head moved back": lambda: _cut(
                    conn, busy.chain, busy.seq - 3
                ),
                "the whole log rebuilt empty": lambda: _empty_all(conn),
            }
            for name, attack in attacks.items():
                transaction = await conn.begin()
                await attack()
                # Plain verification is fooled: the rewritten chains are consistent ...
                assert (await verify(conn, AuditEvent, AuditHead)).intact, name
                # ... but they no longer pass through the heads signed earlier.
                problems = await verify_against(conn, AuditEvent, AuditHead, earlier)
                await transaction.rollback()
                assert problems, name
                assert any(f"chain {busy.chain}:" in p for p in problems), (name, problems)
    finally:
        await engine.dispose()


async def _empty_all(conn: AsyncConnection) -> None:
    await conn.execute(delete(AuditEvent.__table__))
    for chain in range(16):
        await _set_head(conn, chain, 0, GENESIS_HASH)


def test_a_forged_or_foreign_head_is_refused(keys: TestKeys) -> None:
    heads = tuple(ChainHead(chain, chain * 3, f"{chain:064x}") for chain in range(16))
    trusted = _cases_keys(keys)
    genuine = sign_heads(heads, keys.keys["cases"], service="cases")
    assert read_signed_head(genuine, trusted, service="cases").heads == heads
    cases_kid = keys.keys["cases"].kid
    stranger = SigningKey(Ed25519PrivateKey.generate(), cases_kid)  # the right kid, a wrong key
    header, payload, signature = genuine.split(".")
    other_payload = sign_heads(heads[:1], keys.keys["cases"], service="cases").split(".")[1]
    forged = {
        "signed with another key under the service's kid": sign_heads(
            heads, stranger, service="cases"
        ),
        "signed by another service's key": sign_heads(heads, keys.keys["intake"], service="cases"),
        "another payload under the genuine signature": f"{header}.{other_payload}.{signature}",
        "no signature": f"{header}.{payload}.",
        "alg none": jwt.encode(
            {"iss": "cases", "iat": 1, "chains": []},
            None,
            algorithm="none",
            headers={"kid": cases_kid, "typ": HEAD_TYPE},
        ),
        "an internal token, not a head": keys.user_token("cases", actor("auditor")),
        "issued for another service": sign_heads(heads, keys.keys["cases"], service="intake"),
        "garbage": "not-a-jws",
    }
    accepted = []
    for name, token in forged.items():
        try:
            read_signed_head(token, trusted, service="cases")
        except HeadRefused:
            continue
        accepted.append(name)
    assert not accepted


async def test_the_auditor_exports_a_head_the_published_keys_verify(stack: Stack) -> None:
    await opened_case(stack)  # some audited work
    response = await stack.gateway.get("/v1/audit/cases/head", headers=stack.auth("auditor"))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    published = (await stack.internal.get("/internal/jwks.json")).json()["keys"]
    keys = {k["kid"]: public_key_from_jwk(k) for k in published}
    head = read_signed_head(body["jws"], keys, service="cases")
    assert head.kid == body["kid"] == stack.keys.keys["cases"].kid
    assert [(h.chain, h.seq, h.hash) for h in head.heads] == [
        (c["chain"], c["seq"], c["hash"]) for c in body["chains"]
    ]
    assert head.entries == body["entries"] > 0
    assert abs(dt.datetime.fromisoformat(body["signed_at"]) - head.signed_at).total_seconds() < 1
    engine = create_engine(stack.database_urls["cases"], pool_size=1)
    try:
        async with engine.connect() as conn:
            assert await read_heads(conn, AuditHead) == head.heads
            assert await verify_against(conn, AuditEvent, AuditHead, head) == []
    finally:
        await engine.dispose()
    refused = await stack.gateway.get("/v1/audit/cases/head", headers=stack.auth("chief"))
    assert refused.status_code == 403


def test_the_operator_exports_and_verifies_with_the_command(
    databases: TestDatabases, keys: TestKeys, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.fresh("cases", MIGRATIONS)
    run_blocking(lambda: _fill(url, 40))
    head_file = tmp_path / "cases-head.jws"
    settings = {
        "OMBUDS_CASES_DATABASE_URL": url,
        "OMBUDS_CASES_SIGNING_KEY_FILE": str(keys.key_file("cases")),
    }
    command = ["--data-dir", str(tmp_path)]
    with environment(**settings):
        assert main([*command, "audit", "export-head", "--output", str(head_file)]) == 0
        assert main([*command, "audit", "verify", "--against", str(head_file)]) == 0
        assert "extends the head signed" in capsys.readouterr().out
        # The auditor may check against the published JWKS or a kept public key instead.
        jwks = tmp_path / "jwks.json"
        jwks.write_text(keys.jwks_file.read_text())
        verify_with = [*command, "audit", "verify", "--against", str(head_file)]
        assert main([*verify_with, "--jwks", str(jwks)]) == 0
        public_pem = keys.folder / "cases.pub.pem"
        assert main([*verify_with, "--public-key", str(public_pem)]) == 0
        assert main([*verify_with, "--public-key", str(keys.folder / "intake.pub.pem")]) == 1
        assert "REFUSED" in capsys.readouterr().out

        async def cut_a_chain() -> None:
            engine = create_engine(url, pool_size=1)
            try:
                async with engine.begin() as conn:
                    busiest = max(await read_heads(conn, AuditHead), key=lambda h: h.seq)
                    await _cut(conn, busiest.chain, busiest.seq - 1)
            finally:
                await engine.dispose()

        run_blocking(cut_a_chain)
        assert main([*command, "audit", "verify"]) == 0  # consistent, so plain verify passes
        assert main([*command, "audit", "verify", "--against", str(head_file)]) == 1
        out = capsys.readouterr().out
        assert "TAMPERED" in out
        assert "entries were removed" in out


def test_trusted_keys_come_from_the_service_key_by_default(keys: TestKeys) -> None:
    found = trusted_keys(signing_key_file=keys.key_file("cases"))
    assert list(found) == [keys.keys["cases"].kid]
