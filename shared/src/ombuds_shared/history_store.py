"""What the owning services share when they write an imported history (docs/import.md).

A record is known by its source system and source id: one never imported is new, one
imported before with the same facts is answered "unchanged", one with other facts is a
conflict. The cases and mediation services keep their own table of imported records;
this is the one way both sort a batch against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from ombuds_shared.history import RecordOutcome

__all__ = [
    "new_records",
    "noon_utc",
    "table_of",
]


class HistoricRecord(Protocol):
    @property
    def source_system(self) -> str: ...

    @property
    def source_id(self) -> str: ...

    def content_hash(self) -> str: ...


Record = TypeVar("Record", bound=HistoricRecord)
# Answers one record that is not new: (its index in the batch, the record, the outcome,
# the line errors).
Answer = Callable[[int, Record, RecordOutcome, list[dict[str, str]]], None]

_OTHER_CONTENT = [{"field": "source_id", "reason": "imported before with other content"}]


def table_of(model: Any) -> Table:
    """A mapped class's table, typed (the imports write through Core)."""
    table: Table = model.__table__
    return table


def noon_utc(day: dt.date) -> dt.datetime:
    """A day of the history as a time: noon UTC, the same day in every office's zone."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


async def new_records(
    session: AsyncSession,
    imported: Table,
    checked: list[tuple[int, Record]],
    answer: Answer[Record],
) -> list[tuple[int, Record, str]]:
    """The records never imported, each with its content hash; the others are answered.

    `imported` has the columns source_system, source_id and content_hash. A source id
    that appears twice in one batch counts as imported by its first appearance."""
    source_ids = {record.source_id for _, record in checked}
    known: dict[tuple[str, str], str] = {}
    if source_ids:
        rows = await session.execute(
            select(imported.c.source_system, imported.c.source_id, imported.c.content_hash).where(
                imported.c.source_id.in_(source_ids)
            )
        )
        known = {(system, source_id): digest for system, source_id, digest in rows}
    new = []
    for index, record in checked:
        key = (record.source_system, record.source_id)
        digest = record.content_hash()
        prior = known.get(key)
        if prior is None:
            known[key] = digest
            new.append((index, record, digest))
        elif prior == digest:
            answer(index, record, RecordOutcome.UNCHANGED, [])
        else:
            answer(index, record, RecordOutcome.CONFLICT, _OTHER_CONTENT)
    return new
