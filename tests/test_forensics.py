"""Forensics after a retention run: with every byte the system wrote and the master key,
nothing destroyed comes back (issue 14, DESIGN.md "Data lifecycle").

The attacker here carves blindly, with no knowledge of the records:

1. every file under the data folders (SQLite databases, WAL, shared memory, journals,
   key stores) is read as raw bytes; on PostgreSQL, every page of every table of the
   data and key store databases as `pageinspect` returns it, dead tuples included;
2. every UUID-shaped string found there makes four candidate key ids (`case:`,
   `visitor:`, `party:`, `mediation:`), the envelope contexts of the data keys;
3. every byte run that starts like a wrapped data key (version byte, master key id) is
   unwrapped with the master key under every candidate id;
4. with each data key so recovered, every byte run that starts like a sealed value
   (version byte, nonce) is decrypted as AES-CTR, which is what GCM does under its tag
   (no length, field name or record id needed), and the start of the plaintext is kept.

What was planted is used only to score: a destroyed identity, note or consent counts as
recovered if a carved plaintext begins with it. The records kept by the run must be
recovered by the same carving, or the carver proves nothing.

The key store's guarantee rests on `secure_delete` and a rollback journal (SQLite) and
on VACUUM FULL (PostgreSQL); the variants below open the SQLite key store with a WAL, or
without secure_delete, and count what the carving then recovers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import text
from sqlalchemy.engine import make_url

from cases.retention import runner
from intake.request.submitter import submitter_tag
from intake.state import intake_state
from mediation.retention import runner as mediation_runner
from ombuds_shared import db, keystore, retention
from ombuds_shared.crypto import KEY_ID_BYTES, Envelope, key_id_field, parse_master_keys
from ombuds_shared.db import create_engine, utcnow
from ombuds_shared.dependencies import state_of

from .cases_helpers import handler
from .conftest import BACKENDS, Stack, intake_body
from .mediation_support import Mediations, expect, today

LATER = dt.timedelta(days=3 * 366)
KINDS = ("identity", "note", "consent", "message", "party", "mediation note")
NOTHING = {"data keys": 0, **dict.fromkeys(KINDS, 0)}
# Kept: one case (its key, identity, note, consent, a visitor's message) and one mediation
# (its notes' key, a party, a note).
EVERYTHING = {"data keys": 2, **dict.fromkeys(KINDS, 1)}
_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_WRAPPED_BYTES = 1 + KEY_ID_BYTES + 12 + 32 + 16
_NONCE = 12
_PREFIX = 16  # plaintext bytes compared when scoring


@dataclass
class Planted:
    """What a case carries: its id, the visitor's name, a note, the terms of a consent and
    the visitor's secure message."""

    case_id: str
    name: str
    note: str
    consent: str
    message: str

    def secrets(self) -> dict[str, str]:
        return {
            "identity": self.name,
            "note": self.note,
            "consent": self.consent,
            "message": self.message,
        }


@dataclass
class Findings:
    """What the carving recovered."""

    keys: dict[str, bytes] = field(default_factory=dict)  # key id -> data key
    plaintexts: set[bytes] = field(default_factory=set)

    def recovered(self, secret: str) -> bool:
        wanted = secret.encode()[:_PREFIX]
        return any(p.startswith(wanted) for p in self.plaintexts)


async def _case_with_content(stack: Stack, n: int, *, close: bool) -> Planted:
    planted = Planted(
        case_id="",
        name=f"Visitor Number{n} Zanzibarova",
        note=f"Case {n}: the director Mr. Quellbrunn{n} shouted at the visitor in the lift.",
        consent=f"Case {n}: may call the HR partner Ms. Ostrowska{n} only.",
        message=f"Case {n}: my colleague Mr. Drummondsen{n} took my laptop again.",
    )
    body = intake_body(visitor={"name": planted.name, "email": f"v{n}@example.org"})
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=body, headers=stack.auth("visitor", sub=f"visitor-{n}")
    )
    assert submitted.status_code == 201, submitted.text
    me = handler(stack)
    reference = submitted.json()["reference"]
    accepted = await stack.gateway.post(f"/v1/intake/requests/{reference}/accept", headers=me)
    assert accepted.status_code == 200, accepted.text
    planted.case_id = case_id = accepted.json()["case_id"]
    base = f"/v1/cases/{case_id}"
    for url, payload in [
        (f"{base}/conflict-declarations", {"has_conflict": False}),
        (f"{base}/assignment", {}),
        (f"{base}/notes", {"body": planted.note}),
        (f"{base}/consents", {"scope": "contact_hr", "details": planted.consent}),
    ]:
        response = await stack.gateway.post(url, json=payload, headers=me)
        assert response.status_code in (200, 201), response.text
    written = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/messages",
        json={"body": planted.message},
        headers=stack.auth("visitor", sub=f"visitor-{n}"),
    )
    assert written.status_code == 201, written.text
    if close:
        closing = {"status": "closed", "closure_reason": "options_provided"}
        response = await stack.gateway.post(f"{base}/status", json=closing, headers=me)
        assert response.status_code == 200, response.text
    return planted


@dataclass
class PlantedMediation:
    """What a mediation carries: its id, a party's identity (in intake's vault) and a note."""

    mediation_id: str
    party: str
    note: str
    venue: str = ""  # erased in the clear, not sealed: searched for by name, not carved

    def secrets(self) -> dict[str, str]:
        return {"party": self.party, "mediation note": self.note}


async def _mediation_with_content(stack: Stack, n: int, *, close: bool) -> PlantedMediation:
    med = Mediations(stack)
    mediation_id = await med.open()
    planted = PlantedMediation(
        mediation_id=mediation_id,
        party=f"Party Number{n} Vantreurenova",
        note=f"Mediation {n}: Ms. Holmgaard{n} would accept a written apology.",
    )
    identity = {"name": planted.party, "role": "Applicant", "email": f"p{n}@example.org"}
    expect(await med.post(mediation_id, "parties", {"identity": identity}), 201)
    await med.accept(mediation_id)
    await med.agree_all(mediation_id)
    await med.assign_self(mediation_id)
    expect(await med.start(mediation_id), 200)
    expect(await med.post(mediation_id, "notes", {"body": planted.note}), 201)
    planted.venue = f"Venue{n} Quetzalcoatlgasse 7, Stiege {n}"
    start = (utcnow() + dt.timedelta(days=3)).replace(tzinfo=None, microsecond=0)
    session = {"starts_at": start.isoformat(), "time_zone": "Europe/Vienna",
               "duration_minutes": 90, "mode": "in_person", "venue": planted.venue}  # fmt: skip
    expect(await med.post(mediation_id, "sessions", session), 201)
    if close:
        await med.issue(mediation_id)
        expect(await med.close(mediation_id, "settled", settlement_signed_on=today()), 200)
    return planted


def _sqlite_files(stack: Stack) -> Iterator[Path]:
    """Every file the system wrote: the data folder, and each database with its WAL,
    shared memory and journal."""
    data_dir = Path(state_of(stack.apps["cases"]).settings.data_dir)
    yield from (p for p in data_dir.rglob("*") if p.is_file())
    for url in stack.database_urls.values():
        database = Path(make_url(url).database or "")
        yield from (p for p in database.parent.glob(f"{database.name}*") if p.is_file())


async def _postgres_pages(url: str) -> list[bytes]:
    """Every page of every table of a database, as stored (dead tuples included)."""
    engine = create_engine(url, pool_size=1)
    pages: list[bytes] = []
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            tables = await autocommit.scalars(
                text(
                    "SELECT c.oid::regclass::text FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE (c.relkind IN ('r', 't') AND n.nspname IN ('public', 'pg_toast')) "
                    "OR c.oid = 'pg_statistic'::regclass"
                )
            )
            for name in list(tables):
                size = await autocommit.scalar(
                    text("SELECT pg_relation_size(CAST(:t AS regclass))"), {"t": name}
                )
                for block in range(int(size or 0) // 8192):
                    page = await autocommit.scalar(
                        text("SELECT get_raw_page(:t, :b)"), {"t": name, "b": block}
                    )
                    pages.append(bytes(page))
    finally:
        await engine.dispose()
    return pages


def _postgres_urls(stack: Stack) -> list[str]:
    urls = [*stack.database_urls.values()]
    urls += [
        str(state_of(stack.apps[name]).settings.resolved_key_store_url)
        for name in ("intake", "cases", "mediation")
    ]
    return [url for url in dict.fromkeys(urls) if not url.startswith("sqlite")]


async def _analyze_postgres(stack: Stack) -> None:
    """Statistics sample column values into pg_statistic: collect them before the run."""
    for url in _postgres_urls(stack):
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("ANALYZE"))
        finally:
            await engine.dispose()


async def settle_postgres(url: str, table: str) -> int:
    """VACUUM FULL until no dead version of the table's rows is left in its pages; returns the
    passes it took. VACUUM keeps a dead row while any transaction that may still see it runs,
    and on a busy server (here: other test runs creating and dropping databases) that can be
    a while: the operator's procedure in docs/operations.md checks the same way."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            for attempt in range(1, 61):  # bounded: about 30 s
                await autocommit.execute(text(f'VACUUM FULL "{table}"'))
                size = await autocommit.scalar(
                    text("SELECT pg_relation_size(CAST(:t AS regclass))"), {"t": table}
                )
                dead = 0
                for block in range(int(size or 0) // 8192):
                    dead += int(
                        await autocommit.scalar(
                            text(
                                "SELECT count(*) FROM heap_page_items(get_raw_page(:t, :b)) "
                                "WHERE t_xmax <> '0'"
                            ),
                            {"t": table, "b": block},
                        )
                        or 0
                    )
                if not dead:
                    return attempt
                await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    raise AssertionError(f"dead rows of {table} were still kept after 60 VACUUM FULL")


async def _everything_written(stack: Stack) -> list[bytes]:
    blobs = [path.read_bytes() for path in _sqlite_files(stack)]
    for url in _postgres_urls(stack):
        blobs.extend(await _postgres_pages(url))
    return blobs


def _offsets(blob: bytes, needle: bytes) -> Iterator[int]:
    at = blob.find(needle)
    while at != -1:
        yield at
        at = blob.find(needle, at + 1)


def carve(blobs: list[bytes], master_keys: dict[str, bytes]) -> Findings:
    """The blind carving described in the module's docstring."""
    findings = Findings()
    ids = {m.group().decode() for blob in blobs for m in _UUID.finditer(blob)}
    kinds = ("case", "visitor", "party", "mediation")
    contexts = [f"{kind}:{i}" for i in sorted(ids) for kind in kinds]
    for key_id in master_keys:
        envelope = Envelope({key_id: master_keys[key_id]})
        header = b"\x01" + key_id_field(key_id)
        candidates = {
            blob[at : at + _WRAPPED_BYTES]
            for blob in blobs
            for at in _offsets(blob, header)
            if len(blob) >= at + _WRAPPED_BYTES
        }
        for wrapped in candidates:
            for context in contexts:
                if context in findings.keys:
                    continue
                try:
                    findings.keys[context] = envelope.unwrap(wrapped, context)
                except InvalidTag:
                    continue
                break
    for data_key in set(findings.keys.values()):
        for blob in blobs:
            for at in _offsets(blob, b"\x01"):
                body = blob[at + 1 + _NONCE : at + 1 + _NONCE + _PREFIX]
                if len(body) < _PREFIX:
                    break
                nonce = blob[at + 1 : at + 1 + _NONCE]
                counter = modes.CTR(nonce + b"\x00\x00\x00\x02")  # GCM's first data block
                decryptor = Cipher(algorithms.AES(data_key), counter).decryptor()
                plain = decryptor.update(body)
                if plain.isascii() and plain.decode().isprintable():
                    findings.plaintexts.add(plain)
    return findings


async def _retention_and_carving(
    stack: Stack, master_keys: str, *, settle: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two cases and a mediation destroyed, one of each kept; returns what carving recovered
    of each (counts)."""
    destroyed = [await _case_with_content(stack, n, close=True) for n in (1, 2)]
    kept = await _case_with_content(stack, 3, close=False)
    mediation_destroyed = await _mediation_with_content(stack, 1, close=True)
    mediation_kept = await _mediation_with_content(stack, 2, close=False)
    await _analyze_postgres(stack)  # as autovacuum would, sooner or later
    report = await runner.run_once(
        state_of(stack.apps["cases"]).settings, dry_run=False, now=utcnow() + LATER
    )
    assert sorted(report.destroyed) == sorted(p.case_id for p in destroyed)
    report = await mediation_runner.run_once(
        state_of(stack.apps["mediation"]).settings, dry_run=False, now=utcnow() + LATER
    )
    assert report.destroyed == [mediation_destroyed.mediation_id]
    for planted in destroyed:  # the API agrees that the content is gone
        notes = await stack.gateway.get(
            f"/v1/cases/{planted.case_id}/notes", headers=handler(stack)
        )
        assert notes.status_code == 409
    for name in ("intake", "cases", "mediation"):
        url = str(state_of(stack.apps[name]).settings.resolved_key_store_url)
        if settle and not url.startswith("sqlite"):
            passes = await settle_postgres(url, "data_key")
            print(f"\n{name} key store: dead rows gone after {passes} VACUUM FULL")
    findings = carve(await _everything_written(stack), parse_master_keys(master_keys))

    def score(cases: list[Planted], mediation: PlantedMediation) -> dict[str, Any]:
        counts = {"data keys": sum(f"case:{p.case_id}" in findings.keys for p in cases)}
        counts["data keys"] += f"mediation:{mediation.mediation_id}" in findings.keys
        for kind in ("identity", "note", "consent", "message"):
            counts[kind] = sum(findings.recovered(p.secrets()[kind]) for p in cases)
        for kind, secret in mediation.secrets().items():
            counts[kind] = int(findings.recovered(secret))
        return counts

    return score(destroyed, mediation_destroyed), score([kept], mediation_kept)


async def test_nothing_destroyed_is_recovered_by_carving_every_byte(
    stack: Stack, master_keys: str
) -> None:
    destroyed, kept = await _retention_and_carving(stack, master_keys)
    print(f"\nforensics, key store as shipped: destroyed {destroyed}, kept {kept}")
    assert destroyed == NOTHING
    # The same carving finds everything that was kept: it would find the destroyed too.
    assert kept == EVERYTHING


@pytest.mark.parametrize(
    ("journal_mode", "secure_delete"),
    [("WAL", True), ("DELETE", False)],
    ids=["key store with a WAL", "key store without secure_delete"],
)
async def test_a_key_store_that_keeps_copies_fails_the_forensics(
    stack: Stack,
    master_keys: str,
    journal_mode: str,
    secure_delete: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the guarantee rests on: the same run, the key store opened otherwise."""
    if not state_of(stack.apps["cases"]).settings.resolved_key_store_url.startswith("sqlite"):
        pytest.skip("the SQLite key store's variants")
    monkeypatch.setattr(keystore, "JOURNAL_MODE", journal_mode)
    monkeypatch.setattr(keystore, "SECURE_DELETE", secure_delete)
    # The data files' own scrubbing is a second layer; off here, so that what is measured is
    # the key store alone (as with a backup or a PostgreSQL page that keeps ciphertext).
    monkeypatch.setattr(db, "SQLITE_SECURE_DELETE", False)
    monkeypatch.setattr(retention, "SCRUB_WAL", False)
    for name in ("intake", "cases", "mediation"):  # reopen the stores with these settings
        settings = state_of(stack.apps[name]).settings
        await stack.stop(name)
        stack.apps[name] = BACKENDS[name][1](settings)
        await stack.start(name)
    destroyed, kept = await _retention_and_carving(stack, master_keys)
    print(f"\nforensics, journal_mode={journal_mode} secure_delete={secure_delete}: "
          f"destroyed {destroyed}, kept {kept}")  # fmt: skip
    assert kept == EVERYTHING
    assert destroyed["data keys"] > 0
    assert destroyed["note"] + destroyed["consent"] + destroyed["identity"] > 0


async def test_a_postgres_key_store_left_to_plain_deletes_fails_the_forensics(
    stack: Stack, master_keys: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a DELETE leaves a dead tuple in the page: VACUUM FULL is what removes it."""
    if state_of(stack.apps["cases"]).settings.resolved_key_store_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL key store's variant")

    async def no_compaction(self: keystore.SqlKeyStore) -> None:
        return None

    monkeypatch.setattr(keystore.SqlKeyStore, "compact", no_compaction)
    destroyed, kept = await _retention_and_carving(stack, master_keys, settle=False)
    print(f"\nforensics, PostgreSQL key store without VACUUM FULL: destroyed {destroyed}, "
          f"kept {kept}")  # fmt: skip
    assert kept == EVERYTHING
    assert destroyed["data keys"] > 0


async def test_what_destruction_erases_in_the_clear_leaves_no_file(
    stack: Stack, master_keys: str
) -> None:
    """Not sealed but erased: a destroyed request's submitter (the visitor's login subject),
    kept in no file of the data folder (SQLite runs with secure_delete, and the WAL is
    checkpointed away after destruction)."""
    if not state_of(stack.apps["intake"]).settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("the embedded default's files; PostgreSQL's dead rows: docs/operations.md")
    await _retention_and_carving(stack, master_keys)
    blobs = {path.name: path.read_bytes() for path in _sqlite_files(stack)}
    # Intake keeps a submitter as a keyed tag (intake.request.submitter), never the login.
    key = intake_state(stack.apps["intake"]).submitter_key
    found = {
        subject: [
            name
            for name, blob in blobs.items()
            if subject.encode() in blob or submitter_tag(key, subject).encode() in blob
        ]
        for subject in ("visitor-1", "visitor-2")  # the submitters of the destroyed cases
    }
    assert found == {"visitor-1": [], "visitor-2": []}
    # The same search finds the kept case's submitter: it would find the destroyed ones.
    assert any(submitter_tag(key, "visitor-3").encode() in blob for blob in blobs.values())
    # A session's venue, erased with its mediation's content (kept with the other one).
    venue = b"Venue1 Quetzalcoatlgasse"
    assert [name for name, blob in blobs.items() if venue in blob] == []
    assert any(b"Venue2 Quetzalcoatlgasse" in blob for blob in blobs.values())
