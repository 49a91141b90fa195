"""Confidential mediation notes: sealed per mediation, readable by its mediator only (P5)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.audit import service as audit
from mediation.case.models import Mediation
from mediation.note.models import MediationNote
from mediation.note.schemas import NoteRead
from ombuds_shared.crypto import Envelope, KeyDestroyed
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict, Forbidden, ServiceUnavailable
from ombuds_shared.tokens import Actor


def require_envelope(envelope: Envelope | None) -> Envelope:
    """Notes fail closed when no master key is configured."""
    if envelope is None:
        raise ServiceUnavailable("The master key for confidential notes is not configured.")
    return envelope


def require_assigned_mediator(actor: Actor, mediation: Mediation) -> None:
    """Only the mediator assigned to the mediation reads or writes its notes; not the chief."""
    if not actor.has_any("mediator") or mediation.mediator != actor.subject:
        raise Forbidden("Only the mediator assigned to this mediation may use its notes.")


def notes_context(mediation_id: str) -> str:
    """The envelope context of a mediation's notes data key."""
    return f"mediation:{mediation_id}"


def _context(mediation: Mediation) -> str:
    return notes_context(mediation.id)


async def write(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    mediation: Mediation,
    actor: Actor,
    body: str,
) -> NoteRead:
    """Seals and stores a note under the mediation's data key (created on first use)."""
    ring = require_envelope(envelope)
    if mediation.destroyed_at is not None:
        raise Conflict("This mediation's content was destroyed under the retention schedule.")
    context = _context(mediation)
    # Created in the key store on first use (concurrent first notes share the one stored).
    data_key = await ring.data_key_or_new(context)
    note_id = str(uuid.uuid4())
    note = MediationNote(
        id=note_id,
        mediation_id=mediation.id,
        author=actor.subject,
        body_sealed=Envelope.seal(data_key, body, f"{context}:note:{note_id}"),
        written_at=utcnow(),
    )
    session.add(note)
    await audit.record(
        session,
        actor=actor,
        action="note.write",
        mediation_id=mediation.id,
        record_type="note",
        record_id=note_id,
    )
    await session.flush()
    # Retention may have destroyed the mediation (and its notes' key) since it was read: asked
    # again inside this write, so that a note never outlives the content it belongs to.
    destroyed = await session.scalar(
        select(Mediation.destroyed_at).where(Mediation.id == mediation.id)
    )
    if destroyed is not None:
        await session.rollback()
        await ring.destroy_keys([context])  # the key this write may have created
        raise Conflict("This mediation's content was destroyed under the retention schedule.")
    await session.commit()
    return NoteRead(id=note.id, author=note.author, body=body, written_at=note.written_at)


async def destroy_notes_key(*, envelope: Envelope | None, mediation_id: str) -> int:
    """Crypto-shreds a mediation's notes: their data key leaves the key store, physically."""
    return await require_envelope(envelope).destroy_keys([notes_context(mediation_id)])


async def read_all(
    *, session: AsyncSession, envelope: Envelope | None, mediation: Mediation, actor: Actor
) -> list[NoteRead]:
    """The mediation's notes, oldest first, opened with its data key; the read is on
    record in the audit log before any of them is opened."""
    ring = require_envelope(envelope)
    rows = (
        await session.execute(
            select(MediationNote)
            .where(MediationNote.mediation_id == mediation.id)
            .order_by(MediationNote.written_at, MediationNote.id)
        )
    ).all()
    await audit.record_read(
        session, actor=actor, action="notes.read", mediation_id=mediation.id, record_type="notes"
    )
    context = _context(mediation)
    try:
        data_key: bytes | None = await ring.data_key(context)
    except KeyDestroyed:
        data_key = None
    notes = []
    for (row,) in rows:
        body = None
        if data_key is not None:
            try:
                body = Envelope.open(data_key, row.body_sealed, f"{context}:note:{row.id}")
            except KeyDestroyed:
                body = None
        notes.append(NoteRead(id=row.id, author=row.author, body=body, written_at=row.written_at))
    return notes
