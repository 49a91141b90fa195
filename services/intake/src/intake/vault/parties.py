"""The parties of mediations in the vault: sealed and bound to one mediation, revealed through
it only, destroyed with it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.vault.models import MediationParty, new_party_ref
from intake.vault.schemas import PartyIdentity
from intake.vault.service import open_fields, require_envelope, seal_fields
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import utcnow

_FIELDS = {
    "name": "name_sealed",
    "role": "role_sealed",
    "email": "email_sealed",
    "phone": "phone_sealed",
    "preferred_contact": "preferred_contact_sealed",
}


def party_context(party_id: str) -> str:
    """The envelope context of a party's data key."""
    return f"party:{party_id}"


async def seal(
    *, envelope: Envelope | None, identity: PartyIdentity, mediation_id: str, office: str
) -> MediationParty:
    """A new party, its identity sealed under a fresh data key (kept in the key store, never
    in the row) and bound to its mediation."""
    envelope = require_envelope(envelope)
    party_id = str(uuid.uuid4())
    context = party_context(party_id)
    data_key = await envelope.create_key(context)
    party = MediationParty(
        id=party_id,
        ref=new_party_ref(),
        mediation_id=mediation_id,
        office=office,
        created_at=utcnow(),
    )
    for column, sealed in seal_fields(data_key, context, identity, _FIELDS).items():
        setattr(party, column, sealed)
    return party


async def reveal(*, envelope: Envelope | None, party: MediationParty) -> PartyIdentity | None:
    """The party's identity, or None once it has been destroyed."""
    values = await open_fields(envelope, party_context(party.id), party, _FIELDS)
    return None if values is None else PartyIdentity.model_validate(values)


async def destroy(*, envelope: Envelope | None, parties: list[MediationParty]) -> None:
    """Crypto-shreds parties: their data keys leave the key store first (that alone makes every
    copy of the ciphertexts unreadable), then the ciphertexts go from the rows."""
    await require_envelope(envelope).destroy_keys([party_context(p.id) for p in parties])
    for party in parties:
        _clear(party)


def _clear(party: MediationParty) -> None:
    for column in _FIELDS.values():
        setattr(party, column, None)
    party.destroyed_at = utcnow()


async def bound_to(*, session: AsyncSession, mediation_id: str) -> list[MediationParty]:
    """The parties bound to this mediation, in the order they were sealed."""
    rows = await session.scalars(
        select(MediationParty)
        .where(MediationParty.mediation_id == mediation_id)
        .order_by(MediationParty.created_at, MediationParty.id)
    )
    return list(rows)
