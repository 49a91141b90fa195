"""Routes of the register: the office's ombudsmen and chief keep it; the chief publishes."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from cases.case.dependencies import CaseReaderDep, ChiefDep
from cases.register import service
from cases.register.models import SystemicEntry
from cases.register.schemas import (
    Publication,
    SystemicEntryChangeRead,
    SystemicEntryCreate,
    SystemicEntryHistory,
    SystemicEntryPage,
    SystemicEntryUpdate,
)
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ombuds_shared.register import SystemicEntryRead

router = APIRouter(
    prefix="/v1/systemic-issues", tags=["systemic-issue register"], responses=PROBLEM_RESPONSES
)


async def office_entry(entry_id: str, session: SessionDep, actor: CaseReaderDep) -> SystemicEntry:
    """The entry, if it is in the caller's office's register; otherwise a 404."""
    return await service.get_for_office(session=session, entry_id=entry_id, actor=actor)


OfficeEntryDep = Annotated[SystemicEntry, Depends(office_entry)]


async def _read(session: SessionDep, entry: SystemicEntry) -> SystemicEntryRead:
    found = await service.evidence(
        session=session, office=entry.office, categories={entry.category}
    )
    return service.read(entry, found[entry.category])


@router.get("", response_model=SystemicEntryPage, summary="Your office's systemic-issue register")
async def list_entries(
    session: SessionDep,
    actor: CaseReaderDep,
    category: Annotated[str | None, Query(max_length=60)] = None,
    publishable: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> SystemicEntryPage:
    entries, next_cursor = await service.list_for_office(
        session=session,
        office=actor.office or "",
        category=category,
        publishable=publishable,
        cursor=cursor,
        limit=limit,
    )
    found = await service.evidence(
        session=session, office=actor.office or "", categories={e.category for e in entries}
    )
    return SystemicEntryPage(
        items=[service.read(e, found[e.category]) for e in entries], next_cursor=next_cursor
    )


@router.post(
    "",
    response_model=SystemicEntryRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add an entry to your office's register (not publishable until the chief says so)",
)
async def create_entry(
    data: SystemicEntryCreate, session: SessionDep, actor: CaseReaderDep
) -> SystemicEntryRead:
    entry = await service.create(session=session, actor=actor, data=data)
    return await _read(session, entry)


@router.get(
    "/{entry_id}",
    response_model=SystemicEntryRead,
    summary="An entry of the register, with the counts of cases tagged with its category",
)
async def read_entry(entry: OfficeEntryDep, session: SessionDep) -> SystemicEntryRead:
    return await _read(session, entry)


@router.patch(
    "/{entry_id}",
    response_model=SystemicEntryRead,
    summary="Change an entry (an edit withdraws a published entry until the chief approves again)",
)
async def update_entry(
    data: SystemicEntryUpdate, entry: OfficeEntryDep, session: SessionDep, actor: CaseReaderDep
) -> SystemicEntryRead:
    entry = await service.update(session=session, actor=actor, entry=entry, data=data)
    return await _read(session, entry)


@router.get(
    "/{entry_id}/history",
    response_model=SystemicEntryHistory,
    summary="Every change to an entry: who, when, and each field before and after",
)
async def entry_history(entry: OfficeEntryDep, session: SessionDep) -> SystemicEntryHistory:
    changes = await service.history(session=session, entry=entry)
    return SystemicEntryHistory(
        items=[
            SystemicEntryChangeRead(
                id=c.id,
                action=c.action,
                changes=json.loads(c.changes),
                changed_by=c.changed_by,
                changed_at=c.changed_at,
            )
            for c in changes
        ]
    )


@router.post(
    "/{entry_id}/publication",
    response_model=SystemicEntryRead,
    summary="The chief marks an entry publishable in the annual report, or withdraws it",
)
async def publish_entry(
    data: Publication, entry: OfficeEntryDep, session: SessionDep, actor: ChiefDep
) -> SystemicEntryRead:
    entry = await service.set_publication(
        session=session, actor=actor, entry=entry, publishable=data.publishable
    )
    return await _read(session, entry)
