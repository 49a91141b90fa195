"""Confidential notes (P5): sealed under the case's data key, for the assigned ombudsman only.

There is deliberately no listing across cases and no export: notes are read
one case at a time, by the one person handling it, and every read is audited.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cases import audited_records
from cases.case.models import CaseRow
from cases.consent.service import data_key, seal, unseal
from cases.note.models import Note
from cases.note.schemas import NoteCreate, NoteRead
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import utcnow
from ombuds_shared.tokens import Actor


async def write(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    case: CaseRow,
    actor: Actor,
    data: NoteCreate,
) -> NoteRead:
    """Adds a note, sealed before it reaches the database."""
    key = await data_key(session, envelope, case.id)
    note_id = str(uuid.uuid4())
    note = Note(
        id=note_id,
        case_id=case.id,
        author=actor.subject,
        written_at=utcnow(),
        body_sealed=seal(key, case.id, "note", note_id, data.body),
    )
    session.add(note)
    await audited_records.commit_with_audit(session, actor, "note.write", case.id, "note", note)
    return NoteRead(id=note.id, body=data.body, author=note.author, written_at=note.written_at)


async def read_all(
    *, session: AsyncSession, envelope: Envelope | None, case: CaseRow, actor: Actor
) -> list[NoteRead]:
    """The case's notes, opened for the assigned ombudsman (the read is audited)."""
    key = await data_key(session, envelope, case.id)
    rows = await audited_records.list_rows(
        session=session, model=Note, case=case, actor=actor, what="note"
    )
    return [
        NoteRead(
            id=r.id,
            body=unseal(key, case.id, "note", r.id, r.body_sealed),
            author=r.author,
            written_at=r.written_at,
        )
        for r in rows
    ]
