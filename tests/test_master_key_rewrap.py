"""Master key rotation: re-wrap every stored data key under a new master key, retire the old one.

The services run as in production behind the gateway; a rotation rolls them
(stop, new settings, start) the way a deployment would, and the re-wrap runs
as the operator's command, next to live traffic.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cases.retention import runner
from ombuds import cli
from ombuds_shared import rewrap
from ombuds_shared.crypto import Envelope, generate_master_key, parse_master_keys
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import state_of
from ombuds_shared.keystore import DATA_KEY, create_key_engine
from ombuds_testing import environment, stored_key_ids

from .cases_helpers import assigned_case, handler, query
from .conftest import BACKENDS, Stack, intake_body
from .mediation_support import Mediations, expect

CONFIDENTIAL = ("intake", "cases", "mediation")
CASE_NOTE = "The visitor's manager, Ms. Brandvold, withheld the transfer twice."
CONSENT = "May speak to the HR partner in Vienna only."
MEDIATION_NOTE = "Party P-1 would accept a written apology and a new reporting line."
PARTY_NAME = "Ilse Vantreuren-Okoye"
LATER = dt.timedelta(days=3 * 366)


async def _roll(stack: Stack, ring: str) -> None:
    """Restarts the confidential services with another master key ring, as a rollout would."""
    for name in CONFIDENTIAL:
        settings = state_of(stack.apps[name]).settings.model_copy(update={"master_keys": ring})
        await stack.stop(name)
        stack.apps[name] = BACKENDS[name][1](settings)
        await stack.start(name)


def _key_ids(ring: str) -> list[str]:
    return list(parse_master_keys(ring))


async def _cli(stack: Stack, tmp_path: Path, ring: str, *args: str) -> int:
    """`ombuds rewrap-master-keys ...` in a thread, against the stack's databases."""
    env = {}
    for name in CONFIDENTIAL:
        env[f"OMBUDS_{name.upper()}_DATABASE_URL"] = stack.database_urls[name]
        env[f"OMBUDS_{name.upper()}_MASTER_KEYS"] = ring
        env[f"OMBUDS_{name.upper()}_KEY_STORE_URL"] = _key_store(stack, name)
    with environment(**env):
        argv = ["--data-dir", str(tmp_path), "rewrap-master-keys", *args]
        return await asyncio.to_thread(cli.main, argv)


def _key_store(stack: Stack, name: str) -> str:
    return str(state_of(stack.apps[name]).settings.resolved_key_store_url)


async def _wrapped_keys(stack: Stack) -> dict[str, dict[str, bytes | None]]:
    """Every stored wrapped data key, per service and key id (from the key stores)."""
    found: dict[str, dict[str, bytes | None]] = {}
    for name in CONFIDENTIAL:
        engine = create_key_engine(_key_store(stack, name), pool_size=1)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(DATA_KEY.create, checkfirst=True)  # never used yet
                rows = (await connection.execute(select(DATA_KEY.c.id, DATA_KEY.c.wrapped))).all()
        finally:
            await engine.dispose()
        found[name] = {key_id: bytes(wrapped) for key_id, wrapped in rows}
    return found


async def _seed(stack: Stack) -> dict[str, Any]:
    """Confidential content of every kind, and one case destroyed under the retention schedule."""
    me = handler(stack)
    kept = await assigned_case(stack)
    expect(await stack.gateway.post(f"/v1/cases/{kept}/notes", json={"body": CASE_NOTE},
                                    headers=me), 201)  # fmt: skip
    expect(await stack.gateway.post(f"/v1/cases/{kept}/consents",
                                    json={"scope": "contact_hr", "details": CONSENT},
                                    headers=me), 201)  # fmt: skip
    destroyed = await assigned_case(stack)
    base = f"/v1/cases/{destroyed}"
    expect(await stack.gateway.post(f"{base}/notes", json={"body": "gone"}, headers=me), 201)
    closing = {"status": "closed", "closure_reason": "options_provided"}
    expect(await stack.gateway.post(f"{base}/status", json=closing, headers=me), 200)
    done = await runner.run_once(
        state_of(stack.apps["cases"]).settings, dry_run=False, now=utcnow() + LATER
    )
    assert done.destroyed == [destroyed]
    waiting = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub="v-waiting")
    )
    med = Mediations(stack)
    mediation = await med.open(tribunal=False)
    party = {"name": PARTY_NAME, "role": "Applicant", "email": "party@example.org"}
    expect(await med.post(mediation, "parties", {"identity": party}), 201)
    await med.assign_self(mediation)
    expect(await med.post(mediation, "notes", {"body": MEDIATION_NOTE}), 201)
    return {
        "kept": kept,
        "destroyed": destroyed,
        "reference": expect(waiting, 201)["reference"],
        "mediation": mediation,
        "med": med,
    }


async def _everything_reads(stack: Stack, seeded: dict[str, Any]) -> None:
    me, kept = handler(stack), seeded["kept"]
    notes = expect(await stack.gateway.get(f"/v1/cases/{kept}/notes", headers=me), 200)
    assert [n["body"] for n in notes] == [CASE_NOTE]
    consents = expect(await stack.gateway.get(f"/v1/cases/{kept}/consents", headers=me), 200)
    assert [c["details"] for c in consents] == [CONSENT]
    visitor = expect(await stack.gateway.get(f"/v1/cases/{kept}/visitor", headers=me), 200)
    assert visitor["name"] == "Jonas Okafor"
    waiting = expect(
        await stack.gateway.get(f"/v1/intake/requests/{seeded['reference']}", headers=me), 200
    )
    assert waiting["visitor"]["email"] == "jonas.okafor@example.org"
    med: Mediations = seeded["med"]
    mediation_notes = expect(
        await stack.gateway.get(f"/v1/mediations/{seeded['mediation']}/notes",
                                headers=med.mediator), 200,
    )  # fmt: skip
    assert [n["body"] for n in mediation_notes["items"]] == [MEDIATION_NOTE]
    parties = expect(
        await stack.gateway.get(f"/v1/mediations/{seeded['mediation']}/parties",
                                headers=med.mediator), 200,
    )  # fmt: skip
    assert [p["identity"]["name"] for p in parties["items"] if p["has_identity"]] == [PARTY_NAME]


async def _still_destroyed(stack: Stack, seeded: dict[str, Any]) -> None:
    destroyed = seeded["destroyed"]
    assert await stored_key_ids(_key_store(stack, "cases"), f"case:{destroyed}") == []
    (gone,) = await query(
        stack.database_urls["intake"], "SELECT id FROM visitor WHERE destroyed_at IS NOT NULL"
    )
    assert await stored_key_ids(_key_store(stack, "intake"), f"visitor:{gone['id']}") == []
    refused = await stack.gateway.get(f"/v1/cases/{destroyed}/notes", headers=handler(stack))
    assert refused.status_code == 409


async def test_rotate_rewrap_and_retire_the_old_master_key_while_serving(
    stack: Stack, master_keys: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = await _seed(stack)
    old = master_keys
    (old_id,) = _key_ids(old)
    new = generate_master_key()
    (new_id,) = _key_ids(new)
    await _roll(stack, f"{old},{new}")  # every replica knows both; the new one wraps
    assert await _cli(stack, tmp_path, f"{old},{new}", "--status") == 1
    assert f"{old_id} still wraps" in capsys.readouterr().out
    before = await _wrapped_keys(stack)
    under_old = [k for keys in before.values() for k in keys.values() if k is not None]
    # two visitors, a party, a case, a mediation's notes (one case was destroyed)
    assert len(under_old) == 5

    # The re-wrap runs while requests keep coming: reads of old records, new records.
    run = asyncio.create_task(_cli(stack, tmp_path, f"{old},{new}", "--batch-size", "1"))
    served = 0
    while not run.done() or served < 3:
        await _everything_reads(stack, seeded)
        new_request = await stack.gateway.post(
            "/v1/intake/requests",
            json=intake_body(),
            headers=stack.auth("visitor", sub=f"v{served}"),
        )
        assert new_request.status_code == 201, new_request.text
        served += 1
        assert served < 500, "the re-wrap did not finish"
    assert await run == 0
    out = capsys.readouterr().out
    assert f"{old_id} wraps nothing any more: it can leave the ring of cases" in out
    assert "data_key.wrapped: 1 of 3 done" in out  # progress, batch by batch (intake's)
    assert "data_key.wrapped: 3 of 3 done" in out  # two visitors and a party

    after = await _wrapped_keys(stack)
    ring = Envelope(parse_master_keys(f"{old},{new}"))
    for name, keys in after.items():
        assert all(Envelope.wrapped_by(k) == new_id for k in keys.values() if k is not None), name
        (target,) = importlib.import_module(f"{name}.rewrap").WRAPPED_KEYS
        for row_id, was in before[name].items():
            if was is None:
                assert keys[row_id] is None  # destroyed stays destroyed
                continue
            # The same data key, wrapped anew: no ciphertext had to change.
            context = target.context(row_id)
            assert keys[row_id] != was
            assert ring.unwrap(keys[row_id], context) == ring.unwrap(was, context)

    await _roll(stack, new)  # the old master key leaves every ring
    await _everything_reads(stack, seeded)
    await _still_destroyed(stack, seeded)
    # Run again: nothing left to do, and it says so.
    assert await _cli(stack, tmp_path, new) == 0
    out = capsys.readouterr().out
    assert out.count("0 data key(s) to re-wrap") == 3
    assert " 0 re-wrapped" in out


async def test_a_record_destroyed_during_the_rewrap_stays_destroyed(
    stack: Stack, master_keys: str
) -> None:
    from cases.rewrap import WRAPPED_KEYS

    me = handler(stack)
    case_id = await assigned_case(stack)
    expect(await stack.gateway.post(f"/v1/cases/{case_id}/notes", json={"body": CASE_NOTE},
                                    headers=me), 201)  # fmt: skip
    closing = {"status": "closed", "closure_reason": "resolved"}
    expect(await stack.gateway.post(f"/v1/cases/{case_id}/status", json=closing, headers=me), 200)
    new = generate_master_key()
    envelope = Envelope(parse_master_keys(f"{master_keys},{new}"))
    (target,) = WRAPPED_KEYS
    engine = create_key_engine(_key_store(stack, "cases"), pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await rewrap.pending_batch(
                connection, target, envelope.active_key_id, after=None, limit=10
            )
        assert [row_id for row_id, _ in rows] == [f"case:{case_id}"]
        rewrapped, failed = rewrap.rewrap_rows(envelope, target, rows)
        assert failed == {}
        # Between the re-wrap's read and its write, the retention schedule destroys the case.
        done = await runner.run_once(
            state_of(stack.apps["cases"]).settings, dry_run=False, now=utcnow() + LATER
        )
        assert done.destroyed == [case_id]
        async with engine.begin() as connection:
            assert await rewrap.apply(connection, target, rewrapped) == (0, 1)
        async with engine.connect() as connection:
            assert await rewrap.census(connection, target) == {}
    finally:
        await engine.dispose()
    assert await stored_key_ids(_key_store(stack, "cases"), "case:") == []


async def test_keys_missing_from_the_ring_are_reported_and_block_retirement(
    stack: Stack, master_keys: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await assigned_case(stack)
    (old_id,) = _key_ids(master_keys)
    # An operator who dropped the old key too early: nothing can be re-wrapped, nothing is lost.
    before = await _wrapped_keys(stack)
    assert await _cli(stack, tmp_path, generate_master_key(), "--service", "cases") == 1
    out = capsys.readouterr().out
    assert f"master key '{old_id}' is not in the ring" in out
    assert f"{old_id} still wraps 1 data key(s): keep it in the ring" in out
    assert not [line for line in out.splitlines() if line.startswith(("intake", "mediation"))]
    assert await _wrapped_keys(stack) == before
    # Without a database or a ring, the command says which and exits 2.
    with environment(OMBUDS_CASES_KEY_STORE_URL="postgresql+asyncpg://u:pw@127.0.0.1:1/x",
                     OMBUDS_CASES_MASTER_KEYS=master_keys):  # fmt: skip
        argv = ["--data-dir", str(tmp_path), "rewrap-master-keys", "--service", "cases"]
        assert await asyncio.to_thread(cli.main, argv) == 2
    out = capsys.readouterr().out
    assert "cases: database unreachable" in out
    assert "pw@" not in out


def test_every_wrapped_key_column_is_rewrapped() -> None:
    """Wrapped data keys live in the key store only: no data database has a column of them
    (its WAL and free pages would keep destroyed keys), and the store's is re-wrapped."""
    for name in (*CONFIDENTIAL, "analytics", "gateway"):
        importlib.import_module(f"{name}.main")
        try:
            metadata = importlib.import_module(f"{name}.db").Base.metadata
        except ModuleNotFoundError:
            assert name == "gateway"  # no database
            continue
        found = {
            f"{table.name}.{column.name}"
            for table in metadata.tables.values()
            for column in table.columns
            if "wrapped" in column.name
        }
        assert found == set(), name
        if name in CONFIDENTIAL:
            declared = {t.label for t in importlib.import_module(f"{name}.rewrap").WRAPPED_KEYS}
            assert declared == {"data_key.wrapped"}, name
