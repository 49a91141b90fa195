"""The audit chains' heads, signed and exported: a log cut short or rewritten is detected.

Plain chain verification cannot tell an intact log from one an attacker with
database access rewrote from scratch (every hash recomputed, heads moved).
A head exported earlier, signed with the service's key and kept elsewhere,
can: today's chains must still pass through the entries it names. Each
service that keeps a log (intake, cases, mediation) is held to it.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ombuds.audit import AUDITED, export_head, trusted_keys
from ombuds.cli import main
from ombuds_shared.audit import (
    GENESIS_HASH,
    HEAD_TYPE,
    AuditColumns,
    AuditEntry,
    AuditHeadColumns,
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
from ombuds_testing import TestDatabases, TestKeys, actor, environment, run_blocking

from .cases_helpers import handler, opened_case
from .conftest import Stack
from .mediation_support import Mediations

ENTRIES = 120
SERVICES = list(AUDITED)


def _tables(service: str) -> tuple[type[AuditColumns], type[AuditHeadColumns]]:
    return AUDITED[service].event_model, AUDITED[service].head_model


def _fresh(databases: TestDatabases, service: str) -> str:
    return databases.fresh(service, importlib.import_module(f"{service}.main").MIGRATIONS)


async def _fill(url: str, entries: int, start: int = 0, service: str = "cases") -> None:
    event, head = _tables(service)
    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_maker(engine)() as session:
            who = actor("ombudsman", office="geneva")
            for n in range(start, start + entries):
                entry = AuditEntry(who, "record.read", "record", f"record-{n % 29}")
                await append(session, event, head, entry)
            await session.commit()
    finally:
        await engine.dispose()


async def _rewrite(
    conn: AsyncConnection, service: str, chain: int, seq: int, **changes: Any
) -> None:
    """Edits one entry and recomputes the rest of its chain and its head, as an attacker
    with write access to the database would: the chain verifies again afterwards."""
    table = _tables(service)[0].__table__  # type: ignore[attr-defined]
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
    await _set_head(conn, service, chain, len(rows), prev_hash)


async def _set_head(conn: AsyncConnection, service: str, chain: int, seq: int, digest: str) -> None:
    head = _tables(service)[1].__table__  # type: ignore[attr-defined]
    await conn.execute(update(head).where(head.c.chain == chain).values(seq=seq, hash=digest))


async def _cut(conn: AsyncConnection, service: str, chain: int, keep: int) -> None:
    """Deletes a chain's newest entries and moves its head back, consistently."""
    table = _tables(service)[0].__table__  # type: ignore[attr-defined]
    await conn.execute(delete(table).where(table.c.chain == chain, table.c.seq > keep))
    last = (
        await conn.execute(select(table.c.hash).where(table.c.chain == chain, table.c.seq == keep))
    ).scalar_one_or_none()
    await _set_head(conn, service, chain, keep, last or GENESIS_HASH)


def _service_keys(keys: TestKeys, service: str) -> dict[str, Any]:
    public = keys.keys[service].public_jwk
    return {public["kid"]: public_key_from_jwk(public)}


@pytest.mark.parametrize("service", SERVICES)
async def test_a_signed_head_detects_a_log_cut_short_or_rewritten(
    databases: TestDatabases, keys: TestKeys, service: str
) -> None:
    AuditEvent, AuditHead = _tables(service)
    url = _fresh(databases, service)
    await _fill(url, ENTRIES, service=service)
    exported = await export_head(service, url, keys.keys[service])
    earlier = read_signed_head(exported, _service_keys(keys, service), service=service)
    assert earlier.entries == ENTRIES
    await _fill(url, 30, start=ENTRIES, service=service)  # the log grows afterwards, as it should
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            assert (await verify(conn, AuditEvent, AuditHead)).intact
            assert await verify_against(conn, AuditEvent, AuditHead, earlier) == []
            await conn.rollback()  # each attack below runs in a transaction of its own
            busy = max(earlier.heads, key=lambda h: h.seq)
            attacks = {
                "an entry rewritten, every later hash recomputed": lambda: _rewrite(
                    conn, service, busy.chain, 2, subject="someone-else"
                ),
                "the newest entries deleted, the head moved back": lambda: _cut(
                    conn, service, busy.chain, busy.seq - 3
                ),
                "the whole log rebuilt empty": lambda: _empty_all(conn, service),
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


async def _empty_all(conn: AsyncConnection, service: str) -> None:
    await conn.execute(delete(_tables(service)[0].__table__))  # type: ignore[attr-defined]
    for chain in range(16):
        await _set_head(conn, service, chain, 0, GENESIS_HASH)


@pytest.mark.parametrize("service", SERVICES)
def test_a_forged_or_foreign_head_is_refused(keys: TestKeys, service: str) -> None:
    other = next(s for s in SERVICES if s != service)
    heads = tuple(ChainHead(chain, chain * 3, f"{chain:064x}") for chain in range(16))
    trusted = _service_keys(keys, service)
    genuine = sign_heads(heads, keys.keys[service], service=service)
    assert read_signed_head(genuine, trusted, service=service).heads == heads
    kid = keys.keys[service].kid
    stranger = SigningKey(Ed25519PrivateKey.generate(), kid)  # the right kid, a wrong key
    header, payload, signature = genuine.split(".")
    other_payload = sign_heads(heads[:1], keys.keys[service], service=service).split(".")[1]
    forged = {
        "signed with another key under the service's kid": sign_heads(
            heads, stranger, service=service
        ),
        "signed by another service's key": sign_heads(heads, keys.keys[other], service=service),
        "another payload under the genuine signature": f"{header}.{other_payload}.{signature}",
        "no signature": f"{header}.{payload}.",
        "alg none": jwt.encode(
            {"iss": service, "iat": 1, "chains": []},
            None,
            algorithm="none",
            headers={"kid": kid, "typ": HEAD_TYPE},
        ),
        "an internal token, not a head": keys.user_token(service, actor("auditor")),
        "issued for another service": sign_heads(heads, keys.keys[service], service=other),
        "garbage": "not-a-jws",
    }
    accepted = []
    for name, token in forged.items():
        try:
            read_signed_head(token, trusted, service=service)
        except HeadRefused:
            continue
        accepted.append(name)
    assert not accepted


async def test_the_auditor_exports_heads_the_published_keys_verify(stack: Stack) -> None:
    # Audited work in each service: an accepted request (intake), the case read (cases),
    # a mediation with its parties (mediation).
    case_id = await opened_case(stack)
    read = await stack.gateway.get(f"/v1/cases/{case_id}", headers=handler(stack))
    assert read.status_code == 200, read.text
    await Mediations(stack).open()
    published = (await stack.internal.get("/internal/jwks.json")).json()["keys"]
    keys = {k["kid"]: public_key_from_jwk(k) for k in published}
    for service in SERVICES:
        AuditEvent, AuditHead = _tables(service)
        path = f"/v1/audit/{service}/head"
        response = await stack.gateway.get(path, headers=stack.auth("auditor"))
        assert response.status_code == 200, (service, response.text)
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        head = read_signed_head(body["jws"], keys, service=service)
        assert head.kid == body["kid"] == stack.keys.keys[service].kid
        assert [(h.chain, h.seq, h.hash) for h in head.heads] == [
            (c["chain"], c["seq"], c["hash"]) for c in body["chains"]
        ]
        assert head.entries == body["entries"] > 0, service
        signed_at = dt.datetime.fromisoformat(body["signed_at"])
        assert abs(signed_at - head.signed_at).total_seconds() < 1
        engine = create_engine(stack.database_urls[service], pool_size=1)
        try:
            async with engine.connect() as conn:
                assert await read_heads(conn, AuditHead) == head.heads
                assert await verify_against(conn, AuditEvent, AuditHead, head) == []
        finally:
            await engine.dispose()
        # Another service's head is not this one's: the kid names its owner.
        other = next(s for s in SERVICES if s != service)
        with pytest.raises(HeadRefused):
            read_signed_head(body["jws"], keys, service=other)
        for role in ("chief", "ombudsman", "mediator"):
            refused = await stack.gateway.get(path, headers=stack.auth(role))
            assert refused.status_code == 403, (service, role)


def test_the_operator_exports_and_verifies_with_the_command(
    databases: TestDatabases, keys: TestKeys, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = {service: _fresh(databases, service) for service in SERVICES}
    for n, (service, url) in enumerate(urls.items()):
        run_blocking(lambda url=url, service=service, n=n: _fill(url, 30 + n, service=service))
    head_file = tmp_path / "heads.jws"
    settings = {}
    for service, url in urls.items():
        prefix = f"OMBUDS_{service.upper()}_"
        settings[f"{prefix}DATABASE_URL"] = url
        settings[f"{prefix}SIGNING_KEY_FILE"] = str(keys.key_file(service))
    command = ["--data-dir", str(tmp_path)]
    with environment(**settings):
        assert main([*command, "audit", "export-head", "--output", str(head_file)]) == 0
        # One signed head per service, each naming its own service.
        assert len(head_file.read_text().split()) == len(SERVICES)
        capsys.readouterr()
        assert main([*command, "audit", "verify", "--against", str(head_file)]) == 0
        out = capsys.readouterr().out
        for service in SERVICES:
            assert f"{service}: audit log intact" in out
        assert out.count("extends the head signed") == len(SERVICES)
        # The auditor may check against the published JWKS instead.
        jwks = tmp_path / "jwks.json"
        jwks.write_text(keys.jwks_file.read_text())
        verify_with = [*command, "audit", "verify", "--against", str(head_file)]
        assert main([*verify_with, "--jwks", str(jwks)]) == 0
        # A kept public key verifies the heads of its own service only.
        cases_head = tmp_path / "cases-head.jws"
        export_cases = [*command, "audit", "export-head", "--service", "cases"]
        assert main([*export_cases, "--output", str(cases_head)]) == 0
        verify_cases = [*command, "audit", "verify", "--service", "cases", "--against"]
        public_pem = keys.folder / "cases.pub.pem"
        assert main([*verify_cases, str(cases_head), "--public-key", str(public_pem)]) == 0
        intake_pem = keys.folder / "intake.pub.pem"
        assert main([*verify_cases, str(cases_head), "--public-key", str(intake_pem)]) == 1
        assert main([*verify_with, "--public-key", str(public_pem)]) == 1  # intake's head too
        assert "REFUSED" in capsys.readouterr().out
        # A head file forged to say it comes from another service is refused.
        forged = tmp_path / "forged.jws"
        forged.write_text(
            sign_heads([ChainHead(0, 1, "0" * 64)], keys.keys["cases"], service="mediation")
        )
        assert main([*command, "audit", "verify", "--against", str(forged)]) == 1
        assert "REFUSED" in capsys.readouterr().out

        for service in SERVICES:

            async def cut_a_chain(url: str = urls[service], service: str = service) -> None:
                engine = create_engine(url, pool_size=1)
                try:
                    async with engine.begin() as conn:
                        heads = await read_heads(conn, _tables(service)[1])
                        busiest = max(heads, key=lambda h: h.seq)
                        await _cut(conn, service, busiest.chain, busiest.seq - 1)
                finally:
                    await engine.dispose()

            run_blocking(cut_a_chain)
            # Consistent, so plain verification passes ...
            assert main([*command, "audit", "verify"]) == 0
            # ... but the log no longer extends the head signed earlier.
            assert main([*command, "audit", "verify", "--against", str(head_file)]) == 1
            out = capsys.readouterr().out
            assert f"{service}: audit log TAMPERED" in out, out
            assert "entries were removed" in out
            # Every log is checked: each service cut so far is reported.
            assert out.count("TAMPERED") == SERVICES.index(service) + 1, out


def test_trusted_keys_come_from_the_service_keys_by_default(keys: TestKeys) -> None:
    found = trusted_keys(signing_key_files={s: keys.key_file(s) for s in SERVICES})
    assert sorted(found) == sorted(keys.keys[s].kid for s in SERVICES)
