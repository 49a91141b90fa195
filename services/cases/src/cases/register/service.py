"""Keeping the register: entries, their history, their evidence, and their publication.

Every change writes its history row and its audit entry (ids only) in the same
transaction. Publication is the chief's act on the entry's texts as they stand:
it sends them to analytics for the annual report (`systemic_issue.published`);
any later edit withdraws them (`systemic_issue.withdrawn`) until the chief
approves again, so the report never carries a text the chief did not approve.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Integer as SqlInteger
from sqlalchemy import Table, cast, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cases.audit.service import AUDIT
from cases.case.models import CaseFile
from cases.case.service import is_case_id
from cases.issue_coding.models import SystemicTag
from cases.office.models import Office
from cases.outbox import OutboxEvent
from cases.register.models import SystemicEntry, SystemicEntryChange
from cases.register.schemas import SystemicEntryCreate, SystemicEntryUpdate
from ombuds_shared.audit import AuditEntry
from ombuds_shared.db import utcnow
from ombuds_shared.errors import NotFound, ValidationFailed
from ombuds_shared.events import SystemicIssuePublished, SystemicIssueWithdrawn, emit_event
from ombuds_shared.pagination import decode_time_cursor, encode_time_cursor
from ombuds_shared.register import Evidence, StatusAtYear, SystemicEntryRead
from ombuds_shared.taxonomy import SYSTEMIC_ISSUES, SystemicIssueStatus
from ombuds_shared.tokens import Actor

_ENTRY = "systemic_entry"
_NOT_FOUND = "No such entry in your office's register."
# Fields kept as JSON arrays in the entry row.
_LISTS = ("offices", "pillars", "status_by_year")
# What publication sends to analytics: the approved texts and codes, nothing about a case.
_PUBLISHED = ("title", "observation", "category", "offices", "pillars", "first_reported_year",
              "recommendation", "management_response", "status_by_year")  # fmt: skip


def _value(entry: SystemicEntry, name: str) -> Any:
    raw = getattr(entry, name)
    return json.loads(raw) if name in _LISTS else raw


def _stored(name: str, value: Any) -> Any:
    if name == "status_by_year":
        value = [StatusAtYear.model_validate(s).model_dump(mode="json") for s in value]
    elif name == "pillars":
        value = [str(getattr(p, "value", p)) for p in value]
    return json.dumps(value) if name in _LISTS else value


async def _check_offices(session: AsyncSession, offices: list[str]) -> None:
    if not offices:
        return
    known = set(
        (await session.execute(select(Office.code).where(Office.code.in_(offices)))).scalars()
    )
    unknown = [o for o in offices if o not in known]
    if unknown:
        raise ValidationFailed(f"{unknown[0]!r} is not an office.", field="offices")


async def _log(
    session: AsyncSession, actor: Actor, entry: SystemicEntry, action: str, changes: dict[str, Any]
) -> None:
    session.add(
        SystemicEntryChange(
            entry_id=entry.id,
            action=action,
            changes=json.dumps(changes),
            changed_by=actor.subject,
            changed_at=entry.updated_at,
        )
    )
    await session.flush()
    await AUDIT.record(session, AuditEntry(actor, f"{_ENTRY}.{action}", _ENTRY, entry.id))


async def create(
    *, session: AsyncSession, actor: Actor, data: SystemicEntryCreate
) -> SystemicEntry:
    """Adds an entry to the register of the caller's office (not yet publishable)."""
    await _check_offices(session, data.offices)
    statuses = data.status_by_year or [
        StatusAtYear(year=data.first_reported_year, status=SystemicIssueStatus.OPEN)
    ]
    now = utcnow()
    entry = SystemicEntry(
        office=actor.office or "",
        created_by=actor.subject,
        created_at=now,
        updated_at=now,
        publishable=False,
        **{
            name: _stored(name, statuses if name == "status_by_year" else getattr(data, name))
            for name in _PUBLISHED
        },
    )
    session.add(entry)
    await session.flush()
    created = {name: {"from": None, "to": _value(entry, name)} for name in _PUBLISHED}
    await _log(session, actor, entry, "created", created)
    await session.commit()
    return entry


async def get_for_office(*, session: AsyncSession, entry_id: str, actor: Actor) -> SystemicEntry:
    """The entry, if it is in the caller's office's register; otherwise it does not exist."""
    # A value that cannot be an entry id names none, and never reaches the database.
    entry = await session.get(SystemicEntry, entry_id) if is_case_id(entry_id) else None
    if entry is None or entry.office != actor.office:
        raise NotFound(_NOT_FOUND)
    return entry


async def update(
    *, session: AsyncSession, actor: Actor, entry: SystemicEntry, data: SystemicEntryUpdate
) -> SystemicEntry:
    """Changes the fields given; an edit withdraws a published entry until approved again."""
    wanted = {name: getattr(data, name) for name in data.model_fields_set}
    if "offices" in wanted:
        await _check_offices(session, wanted["offices"])
    changes: dict[str, Any] = {}
    for name, value in wanted.items():
        before = _value(entry, name)
        setattr(entry, name, _stored(name, value))
        after = _value(entry, name)
        if after != before:
            changes[name] = {"from": before, "to": after}
    _check_years(entry)
    if not changes:
        await session.commit()
        return entry
    entry.updated_at = utcnow()
    if entry.publishable:
        changes["publishable"] = {"from": True, "to": False}
        _withdraw(session, entry)
    await _log(session, actor, entry, "edited", changes)
    await session.commit()
    return entry


def _check_years(entry: SystemicEntry) -> None:
    statuses = _value(entry, "status_by_year")
    if statuses and statuses[0]["year"] < entry.first_reported_year:
        raise ValidationFailed(
            "No status may come before the year first reported.", field="status_by_year"
        )


async def set_publication(
    *, session: AsyncSession, actor: Actor, entry: SystemicEntry, publishable: bool
) -> SystemicEntry:
    """The chief approves the entry's texts for the annual report, or withdraws them."""
    if entry.publishable == publishable:
        await session.commit()
        return entry  # already so: nothing changes, nothing is sent again
    entry.updated_at = utcnow()
    if publishable:
        entry.publishable = True
        entry.published_by = actor.subject
        entry.published_at = entry.updated_at
        published = SystemicIssuePublished(
            entry_id=entry.id,
            published_on=entry.updated_at.date(),
            **{name: _value(entry, name) for name in _PUBLISHED},
        )
        emit_event(session, OutboxEvent, published)
        action = "published"
    else:
        _withdraw(session, entry)
        action = "withdrawn"
    changed = {"publishable": {"from": not publishable, "to": publishable}}
    await _log(session, actor, entry, action, changed)
    await session.commit()
    return entry


def _withdraw(session: AsyncSession, entry: SystemicEntry) -> None:
    entry.publishable = False
    entry.published_by = None
    entry.published_at = None
    withdrawn = SystemicIssueWithdrawn(entry_id=entry.id, withdrawn_on=entry.updated_at.date())
    emit_event(session, OutboxEvent, withdrawn)


async def list_for_office(
    *,
    session: AsyncSession,
    office: str,
    category: str | None,
    publishable: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[SystemicEntry], str | None]:
    """The office's register, newest entry first, one page at a time."""
    query = select(SystemicEntry).where(SystemicEntry.office == office)
    if category and category not in SYSTEMIC_ISSUES:
        raise ValidationFailed(f"{category!r} is not a systemic issue of the register.",
                               field="category")  # fmt: skip
    if category:
        query = query.where(SystemicEntry.category == category)
    if publishable is not None:
        query = query.where(SystemicEntry.publishable == publishable)
    if cursor:
        created_at, entry_id = decode_time_cursor(cursor)
        query = query.where(
            (SystemicEntry.created_at < created_at)
            | ((SystemicEntry.created_at == created_at) & (SystemicEntry.id < entry_id))
        )
    query = query.order_by(SystemicEntry.created_at.desc(), SystemicEntry.id.desc())
    rows = list((await session.execute(query.limit(limit + 1))).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_time_cursor(rows[-1].created_at, rows[-1].id)
    return rows, next_cursor


async def evidence(
    *, session: AsyncSession, office: str, categories: set[str]
) -> dict[str, list[Evidence]]:
    """Per category, how many of the office's cases carry its tag, by year tagged (counts only:
    the office already reads its cases' tags, so the counts reveal nothing beyond that)."""
    if not categories:
        return {}
    tag, case = SystemicTag.__table__, _case_table()
    year = cast(extract("year", tag.c.tagged_at), SqlInteger)
    result = await session.execute(
        select(tag.c.systemic_issue, year, func.count(func.distinct(tag.c.case_id)))
        .join(case, case.c.id == tag.c.case_id)
        .where(case.c.office == office, tag.c.systemic_issue.in_(categories))
        .group_by(tag.c.systemic_issue, year)
        .order_by(tag.c.systemic_issue, year)
    )
    found: dict[str, list[Evidence]] = {c: [] for c in categories}
    for category, tagged_year, count in result:
        found[category].append(Evidence(year=int(tagged_year), cases=int(count)))
    return found


def _case_table() -> Table:
    table = CaseFile.__table__
    assert isinstance(table, Table)
    return table


async def history(*, session: AsyncSession, entry: SystemicEntry) -> list[SystemicEntryChange]:
    """Every change to the entry, oldest first."""
    result = await session.execute(
        select(SystemicEntryChange)
        .where(SystemicEntryChange.entry_id == entry.id)
        .order_by(SystemicEntryChange.changed_at, SystemicEntryChange.id)
    )
    return list(result.scalars())


def read(entry: SystemicEntry, evidence: list[Evidence]) -> SystemicEntryRead:
    """The entry as the API gives it."""
    statuses = _value(entry, "status_by_year")
    return SystemicEntryRead(
        id=entry.id,
        office=entry.office,
        title=entry.title,
        observation=entry.observation,
        category=entry.category,
        category_label=SYSTEMIC_ISSUES[entry.category],
        offices=_value(entry, "offices"),
        pillars=_value(entry, "pillars"),
        first_reported_year=entry.first_reported_year,
        recommendation=entry.recommendation,
        management_response=entry.management_response,
        status_by_year=statuses,
        current_status=statuses[-1]["status"],
        publishable=entry.publishable,
        published_at=entry.published_at,
        created_by=entry.created_by,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        evidence=evidence,
    )
