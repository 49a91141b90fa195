"""An office's history brought in from its old system: the records `ombuds import` reads
and the cases service checks and writes (one schema for both; see docs/import.md).

A record holds facts only (codes, dates, counts) and the old system's id for it; what
the office knows of the visitor stays out of it. Checks that need no database run here,
on both sides: dates in order and not in the future, codes of the vocabularies, issues
of their taxonomy version. The service adds what only it knows: the office exists and
was open by then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import Field, ValidationError, model_validator

# The vocabularies a record names are the ones every service speaks, defined once.
from ombuds_shared import vocabulary
from ombuds_shared.reference import Location, OccupationalGroup, Pillar, Tribunal
from ombuds_shared.schemas import InputModel
from ombuds_shared.taxonomy import SUBCATEGORIES, SYSTEMIC_ISSUES, TAXONOMY_VERSION

__all__ = [
    "OUTCOME_STATUS",
    "HistoricCase",
    "HistoricMediation",
    "ImportAnswer",
    "ImportBatch",
    "ImportedRecordResult",
    "InternalImportAnswer",
    "LineError",
    "PartyAnswer",
    "RecordOutcome",
    "RecordResult",
    "kind_of",
    "line_errors",
    "parse_mediation",
    "parse_record",
    "record_from_csv_row",
]

# At most this many records in one request to the import route.
MAX_BATCH = 500
# A day of slack for the offices whose today is already tomorrow in UTC.
_FUTURE_SLACK = dt.timedelta(days=1)

# The issue codes of each taxonomy version a record may name.
TAXONOMY_CODES: dict[str, frozenset[str]] = {TAXONOMY_VERSION: frozenset(SUBCATEGORIES)}


class WorkingStatus(StrEnum):
    """The statuses a case passes through between opening and closure."""

    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class HistoricIssue(InputModel):
    code: str = Field(pattern=r"^[1-9]\.[a-z]$", examples=["2.b"])
    taxonomy_version: str = Field(TAXONOMY_VERSION, max_length=40)
    recorded_on: dt.date | None = Field(None, description="Default: the day the case opened.")


class HistoricService(InputModel):
    service: vocabulary.ServiceKind
    given_on: dt.date


class HistoricReferral(InputModel):
    formal_channel: vocabulary.FormalChannel
    referred_on: dt.date


class HistoricSystemicIssue(InputModel):
    systemic_issue: str = Field(max_length=60, examples=["fear_of_speaking_out"])
    tagged_on: dt.date | None = Field(None, description="Default: the day the case opened.")


class HistoricStatusChange(InputModel):
    status: WorkingStatus
    changed_on: dt.date


class _CheckedRecord(InputModel):
    """A record whose fields are checked together: every problem found, each naming its
    field, as the per-line report shows it."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = list(self.problems())
        if problems:
            raise ValueError("; ".join(f"{field}: {reason}" for field, reason in problems))
        return self

    def problems(self) -> Iterator[tuple[str, str]]:
        raise NotImplementedError


class HistoricCase(_CheckedRecord):
    """One case of the old system, with its original dates."""

    kind: Literal["case"] = "case"
    source_system: str = Field("legacy", max_length=60, pattern=r"^[A-Za-z0-9_.:-]{1,60}$")
    source_id: str = Field(max_length=100, pattern=r"^[A-Za-z0-9_.:/#-]{1,100}$")
    office: str = Field(max_length=40, pattern=r"^[a-z0-9-]{1,40}$")
    pillar: Pillar
    location: Location
    occupational_group: OccupationalGroup
    intake_channel: str = Field("other", max_length=40, pattern=r"^[a-z_]{1,40}$")
    is_group: bool = False
    participant_count: int = Field(1, ge=1, le=10_000)
    submitted_on: dt.date | None = Field(
        None, description="When the visitor first came; checked, kept only in the content hash."
    )
    opened_on: dt.date
    issues: list[HistoricIssue] = Field(default_factory=list, max_length=50)
    services: list[HistoricService] = Field(default_factory=list, max_length=50)
    status_changes: list[HistoricStatusChange] = Field(default_factory=list, max_length=50)
    referrals: list[HistoricReferral] = Field(default_factory=list, max_length=20)
    systemic_issues: list[HistoricSystemicIssue] = Field(default_factory=list, max_length=20)
    closed_on: dt.date | None = None
    closure_reason: vocabulary.ClosureReason | None = None
    visitor: dict[str, Any] | None = Field(
        None,
        description="The visitor's identity (name, email, phone, staff_index_number, "
        "preferred_contact): checked and sealed by intake's vault, bound to the case; it "
        "never reaches the cases service.",
    )
    visitor_ref: str | None = Field(
        None,
        pattern=r"^vis_[A-Za-z0-9]{1,60}$",
        description="Set by intake only, for the identity it sealed.",
    )

    def problems(self) -> Iterator[tuple[str, str]]:
        latest = today() + _FUTURE_SLACK
        # Dates after a closure that is itself out of order are not blamed for it.
        closed = self.closed_on if self.closed_on and self.closed_on >= self.opened_on else None
        end = closed or latest
        if not self.is_group and self.participant_count != 1:
            yield "participant_count", "only a group case has more than one participant"
        if self.submitted_on and self.submitted_on > self.opened_on:
            yield "submitted_on", "after the case opened"
        if self.opened_on > latest:
            yield "opened_on", "in the future"
        if (self.closed_on is None) != (self.closure_reason is None):
            yield "closure_reason", "given when, and only when, the case closed"
        if self.closed_on is not None:
            if self.closed_on < self.opened_on:
                yield "closed_on", "before the case opened"
            if self.closed_on > latest:
                yield "closed_on", "in the future"
        for i, issue in enumerate(self.issues):
            codes = TAXONOMY_CODES.get(issue.taxonomy_version)
            if codes is None:
                yield f"issues.{i}.taxonomy_version", "not a known taxonomy version"
            elif issue.code not in codes:
                yield f"issues.{i}.code", f"not a code of {issue.taxonomy_version}"
            yield from _within(f"issues.{i}.recorded_on", issue.recorded_on, self.opened_on, end)
        for i, service in enumerate(self.services):
            yield from _within(f"services.{i}.given_on", service.given_on, self.opened_on, end)
        for i, referral in enumerate(self.referrals):
            yield from _within(
                f"referrals.{i}.referred_on", referral.referred_on, self.opened_on, end
            )
        for i, tag in enumerate(self.systemic_issues):
            if tag.systemic_issue not in SYSTEMIC_ISSUES:
                yield f"systemic_issues.{i}.systemic_issue", "not in the register"
            yield from _within(f"systemic_issues.{i}.tagged_on", tag.tagged_on, self.opened_on, end)
        if len({t.systemic_issue for t in self.systemic_issues}) != len(self.systemic_issues):
            yield "systemic_issues", "a systemic issue is listed twice"
        previous = self.opened_on
        for i, change in enumerate(self.status_changes):
            yield from _within(f"status_changes.{i}.changed_on", change.changed_on, previous, end)
            previous = max(previous, change.changed_on)
        if len({(i.taxonomy_version, i.code) for i in self.issues}) != len(self.issues):
            yield "issues", "an issue is listed twice"

    @property
    def status(self) -> str:
        """The case's status at the end of its history."""
        if self.closed_on is not None:
            return "closed"
        return self.status_changes[-1].status.value if self.status_changes else "opened"

    def content_hash(self) -> str:
        """What makes a second import of the same record a no-op, and a changed one a
        conflict: a digest of its facts (codes and dates), never of the identity."""
        facts = self.model_dump(mode="json", exclude={"visitor", "visitor_ref"})
        canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


# How a mediation ended: the one vocabulary's `Outcome`, under the name imports know.
MediationOutcome = vocabulary.Outcome


class PartyAnswer(StrEnum):
    AGREED = "agreed"
    DECLINED = "declined"


class HistoricTribunalReference(InputModel):
    tribunal: Tribunal
    case_number: str = Field(max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,59}$")
    referral_date: dt.date


class HistoricParty(InputModel):
    """A party, known by no name: whether they represent the administration, and their
    answer to the invitation to mediate."""

    represents_administration: bool = False
    agreement: PartyAnswer | None = None
    responded_on: dt.date | None = None
    identity: dict[str, Any] | None = Field(
        None,
        description="The party's identity (name, role, email and/or phone, "
        "preferred_contact): sealed in intake's vault, bound to the mediation; the "
        "mediation service keeps only the vault's reference.",
    )


class HistoricSession(InputModel):
    held_on: dt.date
    mode: vocabulary.SessionMode


class HistoricMediation(_CheckedRecord):
    """One mediation of the old system, with its original dates."""

    kind: Literal["mediation"]
    source_system: str = Field("legacy", max_length=60, pattern=r"^[A-Za-z0-9_.:-]{1,60}$")
    source_id: str = Field(max_length=100, pattern=r"^[A-Za-z0-9_.:/#-]{1,100}$")
    office: str = Field("mediation-service", max_length=40, pattern=r"^[a-z0-9-]{1,40}$")
    pillar: Pillar
    referral_source: vocabulary.ReferralSource
    tribunal_reference: HistoricTribunalReference | None = None
    issue_codes: list[str] = Field(default_factory=list, max_length=20)
    is_group: bool = False
    participant_count: int = Field(2, ge=2, le=10_000)
    opened_on: dt.date
    parties: list[HistoricParty] = Field(default_factory=list, max_length=50)
    started_on: dt.date | None = None
    sessions: list[HistoricSession] = Field(default_factory=list, max_length=100)
    closed_on: dt.date | None = None
    outcome: MediationOutcome | None = None
    settlement_signed_on: dt.date | None = None

    def problems(self) -> Iterator[tuple[str, str]]:
        latest = today() + _FUTURE_SLACK
        opened = self.opened_on
        closed = self.closed_on if self.closed_on and self.closed_on >= opened else None
        end = closed or latest
        if opened > latest:
            yield "opened_on", "in the future"
        if self.closed_on is not None and self.closed_on < opened:
            yield "closed_on", "before the mediation opened"
        if self.closed_on is not None and self.closed_on > latest:
            yield "closed_on", "in the future"
        if (self.closed_on is None) != (self.outcome is None):
            yield "outcome", "given when, and only when, the mediation closed"
        if self.tribunal_reference and self.tribunal_reference.referral_date > opened:
            yield "tribunal_reference.referral_date", "after the mediation opened"
        codes = TAXONOMY_CODES[TAXONOMY_VERSION]
        for i, code in enumerate(self.issue_codes):
            if code not in codes:
                yield f"issue_codes.{i}", f"not a code of {TAXONOMY_VERSION}"
        for i, party in enumerate(self.parties):
            if (party.agreement is None) != (party.responded_on is None):
                yield f"parties.{i}.responded_on", "given when, and only when, the party answered"
            yield from _within(f"parties.{i}.responded_on", party.responded_on, opened, end)
        started = self.started_on
        if started is not None:
            yield from _within("started_on", started, opened, end)
            answers = [p for p in self.parties if p.agreement is PartyAnswer.AGREED]
            if len(self.parties) < 2 or len(answers) != len(self.parties):
                yield "started_on", "a mediation starts only when every party (two or more) agreed"
            elif any(p.responded_on and p.responded_on > started for p in answers):
                yield "started_on", "before every party agreed"
        for i, held in enumerate(self.sessions):
            if started is None:
                yield f"sessions.{i}.held_on", "a session is held only once the mediation started"
            else:
                yield from _within(f"sessions.{i}.held_on", held.held_on, started, end)
        outcome = self.outcome
        underway = {MediationOutcome.SETTLED, MediationOutcome.NOT_SETTLED}
        if outcome in underway and started is None:
            yield "outcome", f"{outcome} needs a mediation that started"
        before = {MediationOutcome.PARTY_DECLINED, MediationOutcome.RESOLVED_BEFORE_MEDIATION}
        if outcome in before and started is not None:
            yield "outcome", f"{outcome} comes before the mediation starts"
        declined = any(p.agreement is PartyAnswer.DECLINED for p in self.parties)
        if declined != (outcome is MediationOutcome.PARTY_DECLINED):
            yield "outcome", "party_declined when, and only when, a party declined"
        if self.settlement_signed_on is not None:
            if outcome is not MediationOutcome.SETTLED:
                yield "settlement_signed_on", "only a settled mediation has a settlement"
            elif started is not None:
                yield from _within("settlement_signed_on", self.settlement_signed_on, started, end)

    @property
    def status(self) -> str:
        if self.closed_on is not None:
            return "closed"
        if self.started_on is not None:
            return "in_mediation"
        return "agreement_pending" if self.parties else "referred"

    def content_hash(self) -> str:
        """A digest of the facts, never of a party's identity (see HistoricCase)."""
        facts = self.model_dump(mode="json", exclude={"parties": {"__all__": {"identity"}}})
        canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _within(
    field: str, day: dt.date | None, first: dt.date, last: dt.date
) -> Iterator[tuple[str, str]]:
    if day is None:
        return
    if day < first:
        yield field, f"before {first.isoformat()}"
    elif day > last:
        yield field, f"after {last.isoformat()}"


def line_errors(error: ValidationError) -> list[dict[str, str]]:
    """A validation failure as the report's (field, reason) pairs."""
    errors = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "record"
        message = str(item["msg"])
        if item["type"] == "value_error" and not item["loc"]:
            # The record's own checks: "field: reason; field: reason".
            text = message.removeprefix("Value error, ")
            for part in text.split("; "):
                name, known, reason = part.partition(": ")
                if not known:  # a check of the whole object
                    name, reason = "record", part
                errors.append({"field": name, "reason": reason})
            continue
        errors.append({"field": field, "reason": message})
    return errors


def parse_record(raw: Any) -> tuple[HistoricCase | None, list[dict[str, str]]]:
    """A case record, or the reasons it is not one."""
    if not isinstance(raw, dict):
        return None, [{"field": "record", "reason": "not a JSON object"}]
    try:
        return HistoricCase.model_validate(raw), []
    except ValidationError as exc:
        return None, line_errors(exc)


def parse_mediation(raw: Any) -> tuple[HistoricMediation | None, list[dict[str, str]]]:
    """A mediation record, or the reasons it is not one."""
    if not isinstance(raw, dict):
        return None, [{"field": "record", "reason": "not a JSON object"}]
    try:
        return HistoricMediation.model_validate(raw), []
    except ValidationError as exc:
        return None, line_errors(exc)


def kind_of(raw: Any) -> str:
    """Which kind of record a line holds (`case` unless it says otherwise)."""
    return str(raw.get("kind", "case")) if isinstance(raw, dict) else "case"


# CSV: one case a row; lists in one cell, items separated by ";" and a date after "@".
CSV_LISTS = {"issues": ("code", "recorded_on"), "services": ("service", "given_on"),
             "status_changes": ("status", "changed_on"),
             "referrals": ("formal_channel", "referred_on"),
             "systemic_issues": ("systemic_issue", "tagged_on")}  # fmt: skip


def record_from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row (see docs/import.md) as the record JSON Lines would give."""
    record: dict[str, Any] = {k: v for k, v in row.items() if k and v not in ("", None)}
    for name, (what, when) in CSV_LISTS.items():
        cell = record.pop(name, "")
        items = []
        for item in filter(None, (part.strip() for part in cell.split(";"))):
            value, _, day = item.partition("@")
            entry = {what: value}
            if day:
                entry[when] = day
            items.append(entry)
        if name == "issues" and "taxonomy_version" in record:
            version = record.pop("taxonomy_version")
            for entry in items:
                entry["taxonomy_version"] = version
        record[name] = items
    if "is_group" in record:
        record["is_group"] = record["is_group"].lower() in ("true", "1", "yes")
    return record


class ImportBatch(InputModel):
    """A batch of records for the import route; each record is checked on its own, so one
    bad record never refuses the others."""

    dry_run: bool = Field(False, description="Check everything, write nothing.")
    records: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Records of the import schema (docs/import.md), each a `HistoricCase`.",
    )


class RecordOutcome(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    INVALID = "invalid"


# The HTTP status each outcome would have had as a request of its own.
OUTCOME_STATUS = {RecordOutcome.CREATED: 201, RecordOutcome.UNCHANGED: 200,
                  RecordOutcome.CONFLICT: 409, RecordOutcome.INVALID: 422}  # fmt: skip


class LineError(InputModel):
    field: str
    reason: str


class RecordResult(InputModel):
    index: int = Field(description="The record's position in the batch, from 0.")
    source_id: str | None = None
    outcome: RecordOutcome
    status: int
    errors: list[LineError] = Field(default_factory=list)


class ImportAnswer(InputModel):
    dry_run: bool
    results: list[RecordResult]


class ImportedRecordResult(RecordResult):
    """A record's result between services: the case a created record became."""

    case_id: str | None = None


class InternalImportAnswer(InputModel):
    """The cases service's answer to intake (case ids stay between the services)."""

    dry_run: bool
    results: list[ImportedRecordResult]
