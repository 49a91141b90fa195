"""A case's records, written and read with their audit entries, for every domain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, TypeVar, cast

from sqlalchemy import FromClause, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit import service as audit
from cases.case.models import CaseFile, CaseRow
from cases.case.service import is_case_id
from ombuds_shared.errors import Conflict
from ombuds_shared.tokens import Actor

_CASE = cast(Table, CaseFile.__table__)


class _CaseRecord(Protocol):
    """An entity kept for a case (a note, a consent, an assignment...)."""

    __table__: ClassVar[FromClause]

    @property
    def case_id(self) -> str: ...


_Record = TypeVar("_Record", bound=_CaseRecord)


async def commit_with_audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    case_id: str,
    record_type: str,
    record: Any,
    duplicate: str | None = None,
) -> None:
    """Flushes the change, adds its audit entry and commits; a duplicate is a 409."""
    try:
        await session.flush()
        await audit.record(
            session,
            actor=actor,
            action=action,
            case_id=case_id,
            record_type=record_type,
            record_id=record.id,
        )
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        if duplicate is None:
            raise
        raise Conflict(duplicate) from exc


async def list_rows(
    *, session: AsyncSession, model: type[_Record], case: CaseRow, actor: Actor, what: str
) -> list[_Record]:
    """The records of one kind kept for a case, oldest first, as the database has them
    (the read is audited)."""
    table = model.__table__
    records = list(
        await session.scalars(
            select(model)
            .where(table.c.case_id == case.id)
            .order_by(*_chronological(table))
            .execution_options(populate_existing=True)
        )
    )
    await audit.record_read(session, actor=actor, action=f"{what}.read", case_id=case.id)
    return records


async def office_case_ids(
    *, session: AsyncSession, case_ids: Sequence[str], office: str
) -> list[str]:
    """Those of the ids that name cases of this office, in the order asked, once each.

    A value that cannot be a case id names no case: it never reaches the database
    (PostgreSQL refuses some bytes in text, such as NUL, with an error).
    """
    wanted = [case_id for case_id in dict.fromkeys(case_ids) if is_case_id(case_id)]
    result = await session.execute(
        select(_CASE.c.id).where(_CASE.c.id.in_(wanted), _CASE.c.office == office)
    )
    found = set(result.scalars())
    return [case_id for case_id in wanted if case_id in found]


async def rows_by_case(
    *, session: AsyncSession, model: type[_Record], case_ids: Sequence[str], actor: Actor, what: str
) -> dict[str, list[_Record]]:
    """The records of one kind for each of these cases (already checked), oldest first;
    audited."""
    table = model.__table__
    records = await session.scalars(
        select(model)
        .where(table.c.case_id.in_(case_ids))
        .order_by(*_chronological(table))
        .execution_options(populate_existing=True)
    )
    grouped: dict[str, list[_Record]] = defaultdict(list)
    for record in records:
        grouped[record.case_id].append(record)
    await audit.record_reads(session, actor=actor, action=f"{what}.read", case_ids=case_ids)
    return {case_id: grouped.get(case_id, []) for case_id in case_ids}


def _chronological(table: FromClause) -> list[Any]:
    when = next(c for c in table.c if c.name.endswith("_at"))
    return [when, table.c.id]
