"""Ingestion: validate each projected event, drop the ones already applied, apply the rest.

A batch is applied in one transaction and in the order sent (the relay keeps
order per case). Facts the batch touches are read once, changes are collected
in memory and written in bulk; rollup deltas are upserted in key order, so
concurrent batches on PostgreSQL lock rollup rows in the same order.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.events.models import DataVersion, IngestedEvent
from analytics.events.schemas import (
    PAYLOADS,
    STILL_OPEN,
    CaseClosed,
    CaseContactLogged,
    CaseIssueRecorded,
    CaseOpened,
    CaseStatusChanged,
    CaseSystemicIssueTagged,
    IncomingEvent,
    IngestResult,
    MediationClosed,
    MediationContactLogged,
    MediationExtensionGranted,
    MediationOpened,
    MediationSessionHeld,
    Strict,
    SystemicIssuePublished,
    SystemicIssueWithdrawn,
)
from analytics.facts.models import (
    CaseCount,
    CaseFact,
    CaseIssue,
    CaseTag,
    MediationFact,
    MediationIssue,
    channel_code,
)
from analytics.register.models import PublishedSystemicIssue
from ombuds_shared.errors import Conflict
from ombuds_shared.reference import OccupationalGroup

logger = logging.getLogger("ombuds.analytics.ingest")

RollupKey = tuple[str, int, str, str, str]


def _year(month: str) -> int:
    return int(month[:4])


def _month(month: str) -> int:
    return int(month[5:7])


@dataclass
class _Batch:
    """Facts a batch reads and the changes it makes, kept in memory until written."""

    cases: dict[str, dict[str, Any]]
    issues: dict[str, set[str]]
    tags: dict[str, set[str]]
    mediations: dict[str, dict[str, Any]]
    new_cases: list[dict[str, Any]] = field(default_factory=list)
    changed_cases: set[str] = field(default_factory=set)
    new_issues: list[dict[str, str]] = field(default_factory=list)
    new_tags: list[dict[str, str]] = field(default_factory=list)
    new_mediations: list[dict[str, Any]] = field(default_factory=list)
    new_mediation_issues: list[dict[str, str]] = field(default_factory=list)
    changed_mediations: set[str] = field(default_factory=set)
    rollup: Counter[RollupKey] = field(default_factory=Counter)
    # Register entries published (their row) or withdrawn (None), the last word per entry.
    register: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def count(
        self, dimension: str, year: Any, case: dict[str, Any], value: Any, n: int = 1
    ) -> None:
        self.rollup[(dimension, year, case["pillar"], case["office"], value)] += n

    def apply(self, event_type: str, payload: Strict) -> bool:
        """Applies one event; False when it refers to a case or mediation never opened."""
        if isinstance(payload, SystemicIssuePublished):
            self.register[payload.entry_key] = _published_row(payload)
            return True
        if isinstance(payload, SystemicIssueWithdrawn):
            self.register[payload.entry_key] = None
            return True
        if isinstance(payload, CaseOpened):
            return self._case_opened(payload)
        if isinstance(payload, MediationOpened):
            return self._mediation_opened(payload)
        key = getattr(payload, "case_key", None)
        if key is not None:
            case = self.cases.get(key)
            if case is None:
                return False
            self._case_event(key, case, payload)
            return True
        mediation = self.mediations.get(payload.mediation_key)  # type: ignore[attr-defined]
        if mediation is None:
            return False
        self._mediation_event(payload.mediation_key, mediation, payload)  # type: ignore[attr-defined]
        return True

    def _case_opened(self, event: CaseOpened) -> bool:
        if event.case_key in self.cases:
            return True  # the same case opened twice: the first stands
        case = {
            "case_key": event.case_key,
            "opened_year": _year(event.opened_month),
            "opened_month": _month(event.opened_month),
            "pillar": event.pillar.value,
            "office": event.office,
            "location": event.location.value,
            "occupational_group": event.occupational_group.value,
            "intake_channel": event.intake_channel,
            "is_group": event.is_group,
            "participant_count": event.participant_count,
            "status": "opened",
            "closed_year": None,
            "closure_reason": None,
            "contacts": 0,
            "contact_minutes": 0,
            "days_open": None,
        }
        self.cases[event.case_key] = case
        self.issues.setdefault(event.case_key, set())
        self.tags.setdefault(event.case_key, set())
        self.new_cases.append(case)
        year = case["opened_year"]
        self.count("opened", year, case, "")
        self.count("location", year, case, case["location"])
        self.count("occupational_group", year, case, case["occupational_group"])
        self.count("intake_channel", year, case, channel_code(event.intake_channel))
        return True

    def _case_event(self, key: str, case: dict[str, Any], event: Strict) -> None:
        year = case["opened_year"]
        if isinstance(event, CaseIssueRecorded):
            codes = self.issues.setdefault(key, set())
            if event.issue_code in codes:
                return
            first_of_category = not any(c.split(".")[0] == event.category for c in codes)
            codes.add(event.issue_code)
            self.new_issues.append(
                {"case_key": key, "issue_code": event.issue_code, "category": event.category}
            )
            self.count("issue_code", year, case, event.issue_code)
            if first_of_category:
                self.count("category", year, case, event.category)
                if case["occupational_group"] == OccupationalGroup.NON_STAFF:
                    self.count("non_staff_category", year, case, event.category)
        elif isinstance(event, CaseSystemicIssueTagged):
            tags = self.tags.setdefault(key, set())
            if event.systemic_issue not in tags:
                tags.add(event.systemic_issue)
                self.new_tags.append({"case_key": key, "systemic_issue": event.systemic_issue})
                # Filed under the case's year, like its issues: a case's figures stay together.
                self.count("systemic_issue", year, case, event.systemic_issue)
        elif isinstance(event, CaseStatusChanged):
            case["status"] = event.status.value
            self.changed_cases.add(key)
        elif isinstance(event, CaseClosed):
            # A case closed again (reopened, then closed) is filed under its last closing.
            if case["days_open"] is not None and case["closed_year"] is not None:
                self.count("days_open", case["closed_year"], case, str(case["days_open"]), -1)
            if event.days_open is not None:
                self.count("days_open", _year(event.closed_month), case, str(event.days_open))
            case.update(
                status="closed",
                closed_year=_year(event.closed_month),
                closure_reason=event.closure_reason.value,
                days_open=event.days_open,
            )
            self.changed_cases.add(key)
        elif isinstance(event, CaseContactLogged):
            # Filed under the case (its opening year), like its issues.
            if not case["contacts"]:
                self.count("contacted", year, case, "")
            self.count("contacts", year, case, "")
            self.count("contact_minutes", year, case, "", event.duration_minutes)
            case["contacts"] += 1
            case["contact_minutes"] += event.duration_minutes
            self.changed_cases.add(key)
        # Services given and referrals made are accepted; no report counts them yet.

    def _mediation_opened(self, event: MediationOpened) -> bool:
        if event.mediation_key in self.mediations:
            return True
        mediation = {
            "mediation_key": event.mediation_key,
            "opened_year": _year(event.opened_month),
            "opened_month": _month(event.opened_month),
            "pillar": event.pillar.value,
            "office": event.office,
            "referral_source": event.referral_source.value,
            "is_group": event.is_group,
            "participant_count": event.participant_count,
            "from_case": event.from_case,
            "outcome": STILL_OPEN,
            "sessions": 0,
            "extensions": 0,
            "closed_year": None,
            "contacts": 0,
            "contact_minutes": 0,
            "days_open": None,
            "days_since_start": None,
        }
        self.mediations[event.mediation_key] = mediation
        self.new_mediations.append(mediation)
        # Its issues, for the issue categories of mediations (the codes are checked against
        # the taxonomy by the schema; the category is the code's major part).
        for code in dict.fromkeys(event.issue_codes):
            self.new_mediation_issues.append(
                {"mediation_key": event.mediation_key, "issue_code": code,
                 "category": code.split(".")[0]}
            )  # fmt: skip
        return True

    def _mediation_event(self, key: str, mediation: dict[str, Any], event: Strict) -> None:
        if isinstance(event, MediationClosed):
            mediation.update(
                outcome=event.outcome.value,
                closed_year=_year(event.closed_month),
                days_open=event.days_open,
                days_since_start=event.days_since_start,
            )
        elif isinstance(event, MediationContactLogged):
            mediation["contacts"] += 1
            mediation["contact_minutes"] += event.duration_minutes
        elif isinstance(event, MediationSessionHeld):
            mediation["sessions"] += 1
        elif isinstance(event, MediationExtensionGranted):
            mediation["extensions"] += 1
        else:
            return  # agreement, start and a party declining change no reported figure
        self.changed_mediations.add(key)


def _published_row(event: SystemicIssuePublished) -> dict[str, Any]:
    return {
        "entry_key": event.entry_key,
        "published_year": _year(event.published_month),
        "category": event.category,
        "title": event.title,
        "observation": event.observation,
        "recommendation": event.recommendation,
        "management_response": event.management_response,
        "offices": json.dumps(event.offices),
        "pillars": json.dumps([p.value for p in event.pillars]),
        "first_reported_year": event.first_reported_year,
        "status_by_year": json.dumps([s.model_dump(mode="json") for s in event.status_by_year]),
    }


def _validated(raw: dict[str, Any]) -> tuple[IncomingEvent, Strict] | None:
    try:
        event = IncomingEvent.model_validate(raw)
        return event, PAYLOADS[event.event_type].model_validate(event.payload)
    except ValidationError:
        return None


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def ingest(*, session: AsyncSession, events: list[dict[str, Any]]) -> list[IngestResult]:
    """Applies a batch of projected events; says per event: stored, duplicate or refused."""
    for attempt in (1, 2):
        try:
            return await _ingest_once(session, events)
        except IntegrityError:
            # Another batch applied one of these events meanwhile: look again.
            await session.rollback()
            if attempt == 2:
                raise Conflict("These events are being applied by another delivery.") from None
    raise AssertionError("unreachable")  # pragma: no cover


async def _ingest_once(session: AsyncSession, events: list[dict[str, Any]]) -> list[IngestResult]:
    checked = [_validated(raw) for raw in events]
    ids = {c[0].event_id for c in checked if c is not None}
    seen: set[str] = set()
    if ids:
        seen = set(
            (
                await session.execute(
                    select(IngestedEvent.event_id).where(IngestedEvent.event_id.in_(ids))
                )
            ).scalars()
        )
    batch = await _load(session, [c[1] for c in checked if c is not None])
    results: list[IngestResult] = []
    applied: list[dict[str, str]] = []
    for raw, found in zip(events, checked, strict=True):
        if found is None:
            logger.warning("event refused: not a valid projected event")
            results.append(IngestResult(event_id=_echo(raw), status="refused"))
            continue
        event, payload = found
        if event.event_id in seen:
            results.append(IngestResult(event_id=event.event_id, status="duplicate"))
            continue
        if not batch.apply(event.event_type, payload):
            logger.warning("event refused: unknown subject", extra={"event_type": event.event_type})
            results.append(IngestResult(event_id=event.event_id, status="refused"))
            continue
        seen.add(event.event_id)
        applied.append({"event_id": event.event_id, "event_type": event.event_type})
        results.append(IngestResult(event_id=event.event_id, status="stored"))
    if applied:
        await _write(session, batch, applied)
    await session.commit()
    return results


def _echo(raw: dict[str, Any]) -> str:
    value = raw.get("event_id") if isinstance(raw, dict) else None
    return value[:64] if isinstance(value, str) else ""


async def _load(session: AsyncSession, payloads: list[Strict]) -> _Batch:
    case_keys = {k for p in payloads if (k := getattr(p, "case_key", None))}
    mediation_keys = {k for p in payloads if (k := getattr(p, "mediation_key", None))}
    batch = _Batch(cases={}, issues={}, tags={}, mediations={})
    if case_keys:
        for row in (
            await session.execute(
                select(CaseFact.__table__).where(CaseFact.case_key.in_(case_keys))
            )
        ).mappings():
            batch.cases[row["case_key"]] = dict(row)
        for key, code in await session.execute(
            select(CaseIssue.case_key, CaseIssue.issue_code).where(
                CaseIssue.case_key.in_(case_keys)
            )
        ):
            batch.issues.setdefault(key, set()).add(code)
        for key, tag in await session.execute(
            select(CaseTag.case_key, CaseTag.systemic_issue).where(CaseTag.case_key.in_(case_keys))
        ):
            batch.tags.setdefault(key, set()).add(tag)
    if mediation_keys:
        for row in (
            await session.execute(
                select(*MediationFact.__table__.columns).where(
                    MediationFact.mediation_key.in_(mediation_keys)
                )
            )
        ).mappings():
            batch.mediations[row["mediation_key"]] = dict(row)
    return batch


async def _write(session: AsyncSession, batch: _Batch, applied: list[dict[str, str]]) -> None:
    # Rows go in key order, so two batches on PostgreSQL never wait on each other in a circle.
    applied = sorted(applied, key=lambda e: e["event_id"])
    await session.execute(insert(IngestedEvent), applied)
    if batch.new_cases:
        await session.execute(
            insert(CaseFact), sorted(batch.new_cases, key=lambda c: c["case_key"])
        )
    new_cases = {c["case_key"] for c in batch.new_cases}
    changed = sorted(batch.changed_cases - new_cases)
    if changed:  # an ORM bulk update by primary key, in key order
        fields = ("case_key", "status", "closed_year", "closure_reason", "contacts",
                  "contact_minutes", "days_open")  # fmt: skip
        await session.execute(
            update(CaseFact), [{f: batch.cases[k][f] for f in fields} for k in changed]
        )
    if batch.new_issues:
        await session.execute(insert(CaseIssue), batch.new_issues)
    if batch.new_tags:
        await session.execute(insert(CaseTag), batch.new_tags)
    if batch.new_mediations:
        await session.execute(insert(MediationFact), batch.new_mediations)
    if batch.new_mediation_issues:
        await session.execute(insert(MediationIssue), batch.new_mediation_issues)
    new_mediations = {m["mediation_key"] for m in batch.new_mediations}
    changed = sorted(batch.changed_mediations - new_mediations)
    if changed:
        kept = ("mediation_key", "outcome", "closed_year", "sessions", "extensions", "contacts",
                "contact_minutes", "days_open", "days_since_start")  # fmt: skip
        await session.execute(
            update(MediationFact), [{f: batch.mediations[k][f] for f in kept} for k in changed]
        )
    if batch.rollup:
        await upsert_counts(session, batch.rollup)
    if batch.register:
        # A published entry replaces what was published before; a withdrawn one leaves nothing.
        keys = sorted(batch.register)
        await session.execute(
            delete(PublishedSystemicIssue).where(PublishedSystemicIssue.entry_key.in_(keys))
        )
        rows = [row for key in keys if (row := batch.register[key]) is not None]
        if rows:
            await session.execute(insert(PublishedSystemicIssue), rows)
    await session.execute(
        update(DataVersion).where(DataVersion.id == 1).values(version=DataVersion.version + 1)
    )


async def upsert_counts(session: AsyncSession, deltas: Counter[RollupKey]) -> None:
    """Adds deltas to the rollup, creating rows as needed, in key order."""
    statement = _insert(session)(CaseCount)
    statement = statement.on_conflict_do_update(
        index_elements=["dimension", "year", "pillar", "office", "value"],
        set_={"count": CaseCount.count + statement.excluded.count},
    )
    rows = [
        {"dimension": d, "year": y, "pillar": p, "office": o, "value": v, "count": n}
        for (d, y, p, o, v), n in sorted(deltas.items())
        if n
    ]
    if rows:
        await session.execute(statement, rows)
    if any(n < 0 for n in deltas.values()):
        # A closing moved to another year or duration leaves no empty cell behind.
        await session.execute(delete(CaseCount).where(CaseCount.count == 0))
