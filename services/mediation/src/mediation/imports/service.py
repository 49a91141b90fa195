"""An office's past mediations brought in, with their original dates and their events.

As the cases service's import (cases.imports.service): each batch in one
transaction, one statement per table; the mediation, its issues, its parties (by
a reference of their own, no identity), its sessions, the record of what was
imported, the audit entries, and the `mediation.*` events dated as the history
says. A record imported before is a no-op with the same content and a conflict
with other content. Imported mediations start no deadline clock: the tribunal's
clock of a past mediation is history too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.audit.service import AUDIT
from mediation.case.models import Mediation, MediationIssue, MediationSession, Party
from mediation.case.schemas import PartyIdentityCreate
from mediation.imports.models import ImportedMediation
from mediation.office.models import Office
from mediation.outbox import OutboxEvent
from ombuds_shared import events as ev
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict
from ombuds_shared.events import event_row_of
from ombuds_shared.history import (
    OUTCOME_STATUS,
    HistoricMediation,
    ImportAnswer,
    ImportBatch,
    LineError,
    PartyAnswer,
    RecordOutcome,
    RecordResult,
    line_errors,
    parse_mediation,
)
from ombuds_shared.history_store import new_records, noon_utc, table_of
from ombuds_shared.taxonomy import TAXONOMY_VERSION
from ombuds_shared.tokens import Actor


def _result(
    index: int, source_id: Any, outcome: RecordOutcome, errors: Iterable[Any] = ()
) -> RecordResult:
    return RecordResult(
        index=index,
        source_id=source_id if isinstance(source_id, str) else None,
        outcome=outcome,
        status=OUTCOME_STATUS[outcome],
        errors=[LineError.model_validate(e) for e in errors],
    )


# Seals a party's identity in intake's vault, bound to the mediation: the vault's reference.
SealParty = Callable[[str, str, PartyIdentityCreate], Awaitable[str]]


async def import_mediations(
    *, session: AsyncSession, actor: Actor, batch: ImportBatch, seal_party: SealParty
) -> ImportAnswer:
    """Checks every record of the batch and writes the new ones (none on a dry run)."""
    results: dict[int, RecordResult] = {}
    offices = {office.code: office for office in await session.scalars(select(Office))}
    checked: list[tuple[int, HistoricMediation]] = []
    for index, raw in enumerate(batch.records):
        record, errors = parse_mediation(raw)
        if record is not None:
            errors = list(_against_offices(record, offices)) + list(_identities(record))
        if record is None or errors:
            source_id = raw.get("source_id")
            results[index] = _result(index, source_id, RecordOutcome.INVALID, errors)
        else:
            checked.append((index, record))

    def answer(
        index: int, record: HistoricMediation, outcome: RecordOutcome, errors: list[Any]
    ) -> None:
        results[index] = _result(index, record.source_id, outcome, errors)

    new = await new_records(session, table_of(ImportedMediation), checked, answer)
    if new:
        await _write(session, actor, new, dry_run=batch.dry_run, seal_party=seal_party)
        for index, record, _ in new:
            results[index] = _result(index, record.source_id, RecordOutcome.CREATED)
    if batch.dry_run:
        await session.rollback()
    return ImportAnswer(dry_run=batch.dry_run, results=[results[i] for i in sorted(results)])


def _identities(record: HistoricMediation) -> Iterable[dict[str, str]]:
    for i, party in enumerate(record.parties):
        if party.identity is None:
            continue
        try:
            PartyIdentityCreate.model_validate(party.identity)
        except ValidationError as exc:
            for error in line_errors(exc):
                field = f"parties.{i}.identity.{error['field']}".removesuffix(".record")
                yield {"field": field, "reason": error["reason"]}


def _against_offices(
    record: HistoricMediation, offices: dict[str, Office]
) -> Iterable[dict[str, str]]:
    office = offices.get(record.office)
    if office is None:
        yield {"field": "office", "reason": "not an office"}
    elif record.opened_on < office.opened_on:
        yield {"field": "opened_on", "reason": f"before the office opened ({office.opened_on})"}
    elif office.closed_on is not None and record.opened_on > office.closed_on:
        yield {"field": "opened_on", "reason": f"after the office closed ({office.closed_on})"}


async def _write(
    session: AsyncSession,
    actor: Actor,
    new: list[tuple[int, HistoricMediation, str]],
    *,
    dry_run: bool,
    seal_party: SealParty,
) -> None:
    now = utcnow()
    rows: dict[str, list[dict[str, Any]]] = {
        "mediations": [], "issues": [], "parties": [], "sessions": [], "imported": [],
        "events": [],
    }  # fmt: skip
    ids = [str(uuid.uuid4()) for _ in new]
    # As a party added by hand: its identity is sealed in the vault first, bound to the
    # mediation; only the vault's reference is written here (a dry run seals nothing).
    references: dict[tuple[str, int], str] = {}
    if not dry_run:
        wanted = [(mediation_id, record.office, i, PartyIdentityCreate.model_validate(p.identity))
                  for mediation_id, (_, record, _) in zip(ids, new, strict=True)
                  for i, p in enumerate(record.parties) if p.identity is not None]  # fmt: skip
        sealed = await asyncio.gather(*(seal_party(m, office, who) for m, office, _, who in wanted))
        references = {(m, i): ref for (m, _, i, _), ref in zip(wanted, sealed, strict=True)}
    for mediation_id, (_, record, digest) in zip(ids, new, strict=True):
        _rows_of(record, mediation_id, digest, actor.subject, now, rows, references)
    try:
        for model, name in ((Mediation, "mediations"), (MediationIssue, "issues"),
                            (Party, "parties"), (MediationSession, "sessions"),
                            (ImportedMediation, "imported"), (OutboxEvent, "events")):  # fmt: skip
            if rows[name]:
                await session.execute(insert(table_of(model)), rows[name])
        await AUDIT.record_changes(
            session, actor=actor, action="mediation.import", record_type="mediation",
            record_ids=ids,
        )  # fmt: skip
        if not dry_run:
            await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("Some of these records were imported meanwhile; send them again.") from exc


def _rows_of(
    record: HistoricMediation,
    mediation_id: str,
    digest: str,
    subject: str,
    now: dt.datetime,
    rows: dict[str, list[dict[str, Any]]],
    references: dict[tuple[str, int], str],
) -> None:
    """The rows and events of one imported mediation, appended to the batch's."""
    tribunal = record.tribunal_reference
    started = record.started_on
    first_session = min((s.held_on for s in record.sessions), default=None)
    basis = None
    if started is not None:
        basis = "first_session" if first_session == started else "signed_agreement"
    outcome = record.outcome.value if record.outcome else None
    rows["mediations"].append({
        "id": mediation_id, "pillar": record.pillar.value, "office": record.office,
        "referral_source": record.referral_source.value,
        "tribunal": tribunal.tribunal.value if tribunal else None,
        "tribunal_case_number": tribunal.case_number if tribunal else None,
        "referral_date": tribunal.referral_date if tribunal else None,
        "tribunal_deadline": None, "source_case_id": None, "is_group": record.is_group,
        "participant_count": record.participant_count, "status": record.status,
        "outcome": outcome, "start_basis": basis, "started_on": started,
        "ended_on": record.closed_on if started else None,
        "settlement_signed_on": record.settlement_signed_on,
        "settlement_implementation_deadline": None, "mediator": None, "assigned_at": None,
        "opened_by": subject, "opened_at": noon_utc(record.opened_on),
        "closed_at": noon_utc(record.closed_on) if record.closed_on else None,
        "destroyed_at": None, "version": 1,
    })  # fmt: skip
    rows["imported"].append({
        "source_system": record.source_system, "source_id": record.source_id,
        "content_hash": digest, "mediation_id": mediation_id, "imported_by": subject,
        "imported_at": now,
    })  # fmt: skip
    for code in sorted(set(record.issue_codes)):
        rows["issues"].append(
            {"mediation_id": mediation_id, "code": code, "taxonomy_version": TAXONOMY_VERSION}
        )
    events = rows["events"]

    def event(event: ev.MediationEvent) -> None:
        events.append(event_row_of(event, now))

    event(ev.MediationOpened(
        mediation_id=mediation_id, opened_on=record.opened_on, pillar=record.pillar,
        office=record.office, referral_source=record.referral_source, is_group=record.is_group,
        participant_count=record.participant_count, issue_codes=sorted(set(record.issue_codes)),
        from_case=False,
    ))  # fmt: skip
    for n, party in enumerate(record.parties):
        vaulted = references.get((mediation_id, n))
        rows["parties"].append({
            "id": str(uuid.uuid4()), "mediation_id": mediation_id,
            "reference": vaulted or f"imported-{n + 1}",
            "represents_administration": party.represents_administration,
            "has_identity": vaulted is not None or party.identity is not None,
            "agreement": party.agreement.value if party.agreement else "pending",
            "responded_on": party.responded_on, "added_at": noon_utc(record.opened_on),
        })  # fmt: skip
    agreed = 0
    answered = sorted(
        (p for p in record.parties if p.agreement and p.responded_on),
        key=lambda p: p.responded_on or record.opened_on,
    )
    for party in answered:
        assert party.responded_on is not None
        day = party.responded_on
        if party.agreement is PartyAnswer.AGREED:
            agreed += 1
            event(ev.MediationAgreementRecorded(
                mediation_id=mediation_id, recorded_on=day, parties_agreed=agreed,
                parties_total=len(record.parties),
            ))  # fmt: skip
        else:
            event(ev.MediationPartyDeclined(mediation_id=mediation_id, declined_on=day))
    if started is not None:
        event(ev.MediationStarted(mediation_id=mediation_id, started_on=started))
    for held in sorted(record.sessions, key=lambda s: s.held_on):
        rows["sessions"].append({
            "id": str(uuid.uuid4()), "mediation_id": mediation_id, "held_on": held.held_on,
            "mode": held.mode.value, "recorded_by": subject, "recorded_at": noon_utc(held.held_on),
        })  # fmt: skip
        event(
            ev.MediationSessionHeld(mediation_id=mediation_id, held_on=held.held_on, mode=held.mode)
        )
    if record.closed_on is not None and record.outcome is not None:
        event(ev.MediationClosed(
            mediation_id=mediation_id, closed_on=record.closed_on, outcome=record.outcome
        ))  # fmt: skip
