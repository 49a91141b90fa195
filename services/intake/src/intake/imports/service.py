"""An office's history imported: identities sealed here, the cases written by the cases
service (docs/import.md).

Identities enter only through intake. A record's `visitor` is checked and taken out
here; the cases service receives the record with only the reference the identity
will be sealed under, and answers which records became which case. Only then is
each identity of a created case sealed under a data key of its own and bound to
that case and its office, as an accepted request's is: the case's assigned
ombudsman reads it through the case, no one else.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake.audit.service import AUDIT
from intake.vault import service as vault
from intake.vault.models import Visitor, new_visitor_ref
from intake.vault.schemas import VisitorIdentity
from ombuds_shared.crypto import Envelope
from ombuds_shared.history import (
    OUTCOME_STATUS,
    ImportAnswer,
    ImportBatch,
    InternalImportAnswer,
    LineError,
    RecordOutcome,
    RecordResult,
    line_errors,
)
from ombuds_shared.tokens import Actor

CASES_IMPORT_PATH = "/v1/internal/imports/cases"


async def import_cases(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    actor: Actor,
    batch: ImportBatch,
    write_cases: Any,
) -> ImportAnswer:
    """Takes the identities out of the batch, has the cases service write the cases, and
    seals each identity of a created case, bound to it."""
    answered: dict[int, RecordResult] = {}
    forwarded: list[tuple[int, dict[str, Any]]] = []
    identities: dict[int, tuple[VisitorIdentity, str]] = {}
    for index, raw in enumerate(batch.records):
        record = dict(raw)
        errors: list[dict[str, str]] = []
        if "visitor_ref" in record:
            errors.append({"field": "visitor_ref", "reason": "given by the vault only"})
        visitor = record.pop("visitor", None)
        identity = None
        if visitor is not None:
            try:
                identity = VisitorIdentity.model_validate(visitor)
            except ValidationError as exc:
                errors += [
                    {
                        "field": f"visitor.{e['field']}".removesuffix(".record"),
                        "reason": e["reason"],
                    }
                    for e in line_errors(exc)
                ]
        if errors:
            answered[index] = _invalid(index, record.get("source_id"), errors)
            continue
        if identity is not None:
            ref = new_visitor_ref()
            record["visitor_ref"] = ref
            identities[index] = (identity, ref)
        forwarded.append((index, record))
    if forwarded:
        cases_answer: InternalImportAnswer = await write_cases(
            {"dry_run": batch.dry_run, "records": [record for _, record in forwarded]}
        )
        bound = []
        for (index, record), result in zip(forwarded, cases_answer.results, strict=True):
            answered[index] = RecordResult.model_validate(
                result.model_dump(exclude={"case_id"}) | {"index": index}
            )
            if index in identities and result.case_id and not batch.dry_run:
                identity, ref = identities[index]
                bound.append((identity, ref, result.case_id, record["office"]))
        if bound:
            await _seal_and_bind(session, envelope, actor, bound)
    return ImportAnswer(dry_run=batch.dry_run, results=[answered[i] for i in sorted(answered)])


def _invalid(index: int, source_id: Any, errors: list[dict[str, str]]) -> RecordResult:
    return RecordResult(
        index=index,
        source_id=source_id if isinstance(source_id, str) else None,
        outcome=RecordOutcome.INVALID,
        status=OUTCOME_STATUS[RecordOutcome.INVALID],
        errors=[LineError.model_validate(e) for e in errors],
    )


async def _seal_and_bind(
    session: AsyncSession,
    envelope: Envelope | None,
    actor: Actor,
    bound: list[tuple[VisitorIdentity, str, str, str]],
) -> None:
    """Seals the identities (a data key each) bound to their cases, in one statement."""
    sealed = await asyncio.gather(
        *(vault.sealed_visitor(envelope=envelope, identity=identity) for identity, *_ in bound)
    )
    rows = []
    for values, (_, ref, case_id, office) in zip(sealed, bound, strict=True):
        rows.append(values | {"ref": ref, "bound_kind": "case", "bound_id": case_id,
                              "bound_office": office, "destroyed_at": None})  # fmt: skip
    table: Table = Visitor.__table__  # type: ignore[assignment]
    await session.execute(insert(table), rows)
    await AUDIT.record_changes(
        session, actor=actor, action="visitor.import", record_type="visitor",
        record_ids=[row["id"] for row in rows],
    )  # fmt: skip
    await session.commit()
