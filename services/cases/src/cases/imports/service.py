"""An office's history brought in: cases with their original dates, and their events.

Each batch is written in one transaction, one statement per table whatever its
size: the cases, their status histories, issues and services, the record of
what was imported, the audit entries, and the `case.*` events dated as the
history says (so analytics counts each case in its own year, through the same
projection as any other). A record imported before is a no-op with the same
content and a conflict with other content.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit.service import AUDIT
from cases.case.models import CaseFile, StatusChange
from cases.case.service import case_context, require_envelope
from cases.imports.models import ImportedCase
from cases.issue_coding.models import CaseIssue, IssueCode, Referral, ServiceGiven, SystemicTag
from cases.office.models import Office
from cases.outbox import OutboxEvent
from ombuds_shared import events as ev
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict
from ombuds_shared.events import event_row_of
from ombuds_shared.history import (
    OUTCOME_STATUS,
    HistoricCase,
    ImportBatch,
    ImportedRecordResult,
    InternalImportAnswer,
    LineError,
    RecordOutcome,
    parse_record,
)
from ombuds_shared.history_store import new_records, noon_utc, table_of
from ombuds_shared.taxonomy import category_of
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import CaseStatus


def _result(
    index: int,
    source_id: Any,
    outcome: RecordOutcome,
    errors: Iterable[Any] = (),
    case_id: str | None = None,
) -> ImportedRecordResult:
    return ImportedRecordResult(
        index=index,
        source_id=source_id if isinstance(source_id, str) else None,
        outcome=outcome,
        status=OUTCOME_STATUS[outcome],
        errors=[LineError.model_validate(e) for e in errors],
        case_id=case_id,
    )


async def import_cases(
    *, session: AsyncSession, envelope: Envelope | None, actor: Actor | None, batch: ImportBatch
) -> InternalImportAnswer:
    """Checks every record of the batch and writes the new ones (none on a dry run)."""
    results: dict[int, ImportedRecordResult] = {}
    valid: list[tuple[int, HistoricCase]] = []
    for index, raw in enumerate(batch.records):
        record, errors = parse_record(raw)
        if record is None:
            results[index] = _result(index, raw.get("source_id"), RecordOutcome.INVALID, errors)
        else:
            valid.append((index, record))
    offices = {office.code: office for office in await session.scalars(select(Office))}
    codes = {(v, c) for v, c in await session.execute(select(IssueCode.version, IssueCode.code))}
    checked = []
    for index, record in valid:
        errors = list(_against_reference(record, offices, codes))
        if errors:
            results[index] = _result(index, record.source_id, RecordOutcome.INVALID, errors)
        else:
            checked.append((index, record))

    def answer(index: int, record: HistoricCase, outcome: RecordOutcome, errors: list[Any]) -> None:
        results[index] = _result(index, record.source_id, outcome, errors)

    new = await new_records(session, table_of(ImportedCase), checked, answer)
    if new:
        case_ids = await _write(session, envelope, actor, new, dry_run=batch.dry_run)
        for (index, record, _), case_id in zip(new, case_ids, strict=True):
            results[index] = _result(index, record.source_id, RecordOutcome.CREATED,
                                     case_id=None if batch.dry_run else case_id)  # fmt: skip
    if batch.dry_run:
        await session.rollback()
    return InternalImportAnswer(
        dry_run=batch.dry_run, results=[results[i] for i in sorted(results)]
    )


def _against_reference(
    record: HistoricCase, offices: dict[str, Office], codes: set[tuple[str, str]]
) -> Iterable[dict[str, str]]:
    if record.visitor is not None:
        # Identities enter through intake only, which seals them and passes a reference.
        yield {"field": "visitor", "reason": "identities are imported through intake only"}
    office = offices.get(record.office)
    if office is None:
        yield {"field": "office", "reason": "not an office"}
        return
    first = record.submitted_on or record.opened_on
    if first < office.opened_on:
        yield {"field": "opened_on", "reason": f"before the office opened ({office.opened_on})"}
    if office.closed_on is not None and record.opened_on > office.closed_on:
        yield {"field": "opened_on", "reason": f"after the office closed ({office.closed_on})"}
    for i, issue in enumerate(record.issues):
        if (issue.taxonomy_version, issue.code) not in codes:
            yield {"field": f"issues.{i}.code", "reason": f"not a code of {issue.taxonomy_version}"}


async def _write(
    session: AsyncSession,
    envelope: Envelope | None,
    actor: Actor | None,
    new: list[tuple[int, HistoricCase, str]],
    *,
    dry_run: bool,
) -> list[str]:
    """Writes the batch's new cases (rolled back by the caller on a dry run); their ids."""
    now = utcnow()
    subject = actor.subject if actor else "service:intake"
    rows: dict[str, list[dict[str, Any]]] = {
        "cases": [], "changes": [], "issues": [], "services": [], "referrals": [], "tags": [],
        "imported": [], "events": [],
    }  # fmt: skip
    case_ids = []
    for _, record, digest in new:
        case_id = str(uuid.uuid4())
        case_ids.append(case_id)
        _rows_of(record, case_id, digest, subject, now, rows)
    if not dry_run:
        # Each case has its data key, as any other: notes and consents may follow.
        store = require_envelope(envelope)
        await asyncio.gather(*(store.create_key(case_context(c)) for c in case_ids))
    try:
        for model, name in ((CaseFile, "cases"), (StatusChange, "changes"),
                            (CaseIssue, "issues"), (ServiceGiven, "services"),
                            (Referral, "referrals"), (SystemicTag, "tags"),
                            (ImportedCase, "imported"), (OutboxEvent, "events")):  # fmt: skip
            if rows[name]:
                await session.execute(insert(table_of(model)), rows[name])
        await AUDIT.record_changes(
            session, actor=actor, action="case.import", record_type="case", record_ids=case_ids
        )
        if not dry_run:
            await session.commit()
    except IntegrityError as exc:
        # Another import of the same records won the race: nothing of this batch is kept.
        await session.rollback()
        if not dry_run:
            await require_envelope(envelope).destroy_keys(case_context(c) for c in case_ids)
        raise Conflict("Some of these records were imported meanwhile; send them again.") from exc
    return case_ids


def _rows_of(
    record: HistoricCase,
    case_id: str,
    digest: str,
    subject: str,
    now: dt.datetime,
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    """The rows and events of one imported case, appended to the batch's."""
    opened = record.opened_on
    rows["cases"].append({
        "id": case_id, "visitor_ref": record.visitor_ref, "pillar": record.pillar.value,
        "office": record.office, "location": record.location.value,
        "occupational_group": record.occupational_group.value,
        "intake_channel": record.intake_channel, "intake_request_id": None,
        "is_group": record.is_group, "participant_count": record.participant_count,
        "status": record.status,
        "closure_reason": record.closure_reason.value if record.closure_reason else None,
        "assigned_to": None, "opened_by": subject, "opened_at": noon_utc(opened),
        "closed_at": noon_utc(record.closed_on) if record.closed_on else None, "destroyed_at": None,
    })  # fmt: skip
    rows["imported"].append({
        "source_system": record.source_system, "source_id": record.source_id,
        "content_hash": digest, "case_id": case_id, "imported_by": subject, "imported_at": now,
    })  # fmt: skip
    events = rows["events"]

    def change(status: str, day: dt.date, reason: str | None = None) -> None:
        rows["changes"].append({
            "id": str(uuid.uuid4()), "case_id": case_id, "status": status,
            "closure_reason": reason, "changed_by": subject, "changed_at": noon_utc(day),
        })  # fmt: skip

    change("opened", opened)
    events.append(event_row_of(ev.CaseOpened(
        case_id=case_id, opened_on=opened, pillar=record.pillar, office=record.office,
        location=record.location, occupational_group=record.occupational_group,
        intake_channel=record.intake_channel, is_group=record.is_group,
        participant_count=record.participant_count,
    ), now))  # fmt: skip
    for issue in record.issues:
        day = issue.recorded_on or opened
        rows["issues"].append({
            "id": str(uuid.uuid4()), "case_id": case_id,
            "taxonomy_version": issue.taxonomy_version, "code": issue.code,
            "recorded_by": subject, "recorded_at": noon_utc(day),
        })  # fmt: skip
        events.append(event_row_of(ev.CaseIssueRecorded(
            case_id=case_id, issue_code=issue.code, category=category_of(issue.code),
            taxonomy_version=issue.taxonomy_version, recorded_on=day,
        ), now))  # fmt: skip
    for service in record.services:
        rows["services"].append({
            "id": str(uuid.uuid4()), "case_id": case_id, "service": service.service.value,
            "given_on": service.given_on, "mediation_id": None, "recorded_by": subject,
            "recorded_at": noon_utc(service.given_on),
        })  # fmt: skip
        events.append(event_row_of(ev.CaseServiceGiven(
            case_id=case_id, service=service.service, given_on=service.given_on
        ), now))  # fmt: skip
    for referral in record.referrals:
        channel = referral.formal_channel.value
        rows["referrals"].append({
            "id": str(uuid.uuid4()), "case_id": case_id, "formal_channel": channel,
            "referred_on": referral.referred_on, "recorded_by": subject,
            "recorded_at": noon_utc(referral.referred_on),
        })  # fmt: skip
        events.append(event_row_of(ev.CaseReferralMade(
            case_id=case_id, formal_channel=referral.formal_channel,
            referred_on=referral.referred_on,
        ), now))  # fmt: skip
    for tag in record.systemic_issues:
        day = tag.tagged_on or opened
        rows["tags"].append({
            "id": str(uuid.uuid4()), "case_id": case_id, "systemic_issue": tag.systemic_issue,
            "tagged_by": subject, "tagged_at": noon_utc(day),
        })  # fmt: skip
        events.append(event_row_of(ev.CaseSystemicIssueTagged(
            case_id=case_id, systemic_issue=tag.systemic_issue, tagged_on=day
        ), now))  # fmt: skip
    for step in record.status_changes:
        change(step.status.value, step.changed_on)
        events.append(event_row_of(ev.CaseStatusChanged(
            case_id=case_id, status=CaseStatus(step.status), changed_on=step.changed_on
        ), now))  # fmt: skip
    if record.closed_on is not None and record.closure_reason is not None:
        reason = record.closure_reason.value
        change("closed", record.closed_on, reason)
        events.append(event_row_of(ev.CaseStatusChanged(
            case_id=case_id, status=CaseStatus.CLOSED, changed_on=record.closed_on
        ), now))  # fmt: skip
        # No days_open: an imported case has no time to resolution (docs/events.md).
        events.append(event_row_of(ev.CaseClosed(
            case_id=case_id, closed_on=record.closed_on, closure_reason=record.closure_reason
        ), now))  # fmt: skip
