"""The identity vault: sealing, revealing and destroying visitor identities."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from intake.audit import service as audit
from intake.request.models import IntakeRequest
from intake.vault.models import Visitor, new_visitor_ref
from intake.vault.schemas import VisitorIdentity
from ombuds_shared.crypto import Envelope, KeyDestroyed
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Conflict, NotFound, ServiceUnavailable
from ombuds_shared.retention import RETENTION_ACTOR

_FIELDS = {
    "name": "name_sealed",
    "email": "email_sealed",
    "phone": "phone_sealed",
    "staff_index_number": "staff_index_sealed",
    "preferred_contact": "preferred_contact_sealed",
}


def visitor_context(visitor_id: str) -> str:
    """The envelope context of a visitor's data key."""
    return f"visitor:{visitor_id}"


def require_envelope(envelope: Envelope | None) -> Envelope:
    """Confidential operations fail closed when no master key is configured."""
    if envelope is None:
        raise ServiceUnavailable("The vault's master key is not configured.")
    return envelope


class SealedRecord(Protocol):
    """A vault row whose identity fields are sealed under its own data key."""

    destroyed_at: dt.datetime | None


def seal_fields(
    data_key: bytes, context: str, identity: BaseModel, fields: Mapping[str, str]
) -> dict[str, bytes | None]:
    """Each field of the identity sealed under the data key, by the column that keeps it."""
    return {
        column: None
        if (value := getattr(identity, field)) is None
        else Envelope.seal(data_key, str(value), f"{context}:{field}")
        for field, column in fields.items()
    }


async def open_fields(
    envelope: Envelope | None, context: str, record: SealedRecord, fields: Mapping[str, str]
) -> dict[str, str] | None:
    """The record's sealed fields opened, by field; None once it has been destroyed."""
    envelope = require_envelope(envelope)
    if record.destroyed_at is not None:
        return None
    try:
        data_key = await envelope.data_key(context)
        return {
            field: Envelope.open(data_key, sealed, f"{context}:{field}")
            for field, column in fields.items()
            if (sealed := getattr(record, column)) is not None
        }
    except KeyDestroyed:
        return None


async def sealed_visitor(
    *, envelope: Envelope | None, identity: VisitorIdentity | None
) -> dict[str, Any]:
    """The column values of a new visitor row, its identity sealed under a fresh data key
    (kept in the key store, never in the row). An anonymous visitor (no identity) gets
    the key too, for the contact details they may add later."""
    envelope = require_envelope(envelope)
    visitor_id = str(uuid.uuid4())
    context = visitor_context(visitor_id)
    data_key = await envelope.create_key(context)
    values: dict[str, Any] = {
        "id": visitor_id,
        "ref": new_visitor_ref(),
        "created_at": utcnow(),
    }
    if identity is None:
        values.update(dict.fromkeys(_FIELDS.values()))
    else:
        values.update(seal_fields(data_key, context, identity, _FIELDS))
    return values


async def add_identity(
    *, envelope: Envelope | None, visitor: Visitor, identity: VisitorIdentity
) -> None:
    """Seals an identity given later (an anonymous visitor's contact details) under the
    visitor's own data key; the caller commits, with its audit entry."""
    context = visitor_context(visitor.id)
    try:
        data_key = await require_envelope(envelope).data_key(context)
    except KeyDestroyed as exc:
        raise Conflict("This request's identity was destroyed.") from exc
    for column, sealed in seal_fields(data_key, context, identity, _FIELDS).items():
        setattr(visitor, column, sealed)


def is_anonymous(visitor: Visitor) -> bool:
    """No identity was ever given (or added) for this visitor; a destroyed one is not that."""
    return visitor.destroyed_at is None and visitor.name_sealed is None


def anonymous() -> NotFound:
    return NotFound("This visitor consulted anonymously: there is no identity to reveal.")


async def reveal(*, envelope: Envelope | None, visitor: Visitor) -> VisitorIdentity | None:
    """The visitor's identity, or None once it has been destroyed (or if none was given)."""
    if is_anonymous(visitor):
        return None
    values = await open_fields(envelope, visitor_context(visitor.id), visitor, _FIELDS)
    return None if values is None else VisitorIdentity.model_validate(values)


async def destroy(*, envelope: Envelope | None, visitor: Visitor) -> None:
    """Crypto-shreds the identity: the data key leaves the key store first (that alone makes
    every copy of the ciphertext unreadable), then the ciphertexts go from the row."""
    await require_envelope(envelope).destroy_keys([visitor_context(visitor.id)])
    for column in _FIELDS.values():
        setattr(visitor, column, None)
    visitor.destroyed_at = utcnow()


def gone() -> NotFound:
    return NotFound("This visitor's identity was destroyed.")


def bind(*, visitor: Visitor, kind: str, bound_id: str, office: str) -> None:
    """Binds the identity to the one case (or mediation) it belongs to, for good."""
    if visitor.bound_kind is not None and (visitor.bound_kind, visitor.bound_id) != (
        kind,
        bound_id,
    ):
        raise Conflict("This identity already belongs to another record.")
    visitor.bound_kind, visitor.bound_id, visitor.bound_office = kind, bound_id, office


async def get_bound(*, session: AsyncSession, kind: str, bound_id: str) -> Visitor:
    """The identity bound to this case or mediation, or NotFound."""
    visitor = await session.scalar(
        select(Visitor).where(Visitor.bound_kind == kind, Visitor.bound_id == bound_id)
    )
    if visitor is None:
        raise NotFound("No identity belongs to this record.")
    return visitor


async def get_by_ref(*, session: AsyncSession, ref: str) -> Visitor:
    """The visitor with this opaque reference, or NotFound."""
    visitor = await session.scalar(select(Visitor).where(Visitor.ref == ref))
    if visitor is None:
        raise NotFound("No such visitor.")
    return visitor


async def erase_requests(*, session: AsyncSession, visitor_ids: list[str]) -> None:
    """Erases from these visitors' requests what their identity leaves behind.

    The decline notes were sealed under the visitor's key; their ciphertext goes.
    The submitter's subject, the Idempotency-Key and the keyed fingerprint go
    too: any of them could tie the request back to a person. What stays is
    de-identified (see docs/retention.md).
    """
    if not visitor_ids:
        return
    await session.execute(
        update(IntakeRequest)
        .where(IntakeRequest.visitor_id.in_(visitor_ids))
        .values(
            decline_note_sealed=None,
            submitted_by=None,
            idempotency_key=None,
            request_hash=None,
            receipt_hash=None,
            destroyed_at=func.coalesce(IntakeRequest.destroyed_at, utcnow()),
        )
        .execution_options(synchronize_session=False)
    )


async def destroy_by_ref(
    *, session: AsyncSession, envelope: Envelope | None, ref: str, peer: str | None
) -> dt.datetime:
    """Destroys a visitor's identity and what their requests keep of it (idempotent),
    recorded (ids only) in intake's audit log."""
    visitor = await get_by_ref(session=session, ref=ref)
    if visitor.destroyed_at is None:
        await destroy(envelope=envelope, visitor=visitor)
    await erase_requests(session=session, visitor_ids=[visitor.id])
    await audit.record(
        session,
        actor=RETENTION_ACTOR,
        peer=peer,
        action="visitor.destroy",
        context_id=visitor.bound_id or visitor.id,
        record_type="visitor",
        record_id=visitor.id,
    )
    await session.commit()
    assert visitor.destroyed_at is not None
    return visitor.destroyed_at


async def destroy_bound(
    *, session: AsyncSession, envelope: Envelope | None, kind: str, bound_id: str
) -> int:
    """Destroys every identity bound to this case or mediation (idempotent): how many.
    The caller commits, with its audit entry."""
    visitors = list(
        await session.scalars(
            select(Visitor).where(Visitor.bound_kind == kind, Visitor.bound_id == bound_id)
        )
    )
    for visitor in visitors:
        if visitor.destroyed_at is None:
            await destroy(envelope=envelope, visitor=visitor)
    await erase_requests(session=session, visitor_ids=[v.id for v in visitors])
    return len(visitors)
