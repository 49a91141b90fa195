"""The parties' identities, kept in intake's vault: sealed there when a party is added, asked
for on behalf of the assigned mediator only, destroyed with the mediation's content.

This service keeps the vault's reference and nothing else of a party's identity. The vault
binds each party to this mediation and its office, and reveals it only when this service
vouches, in its own signed token, for the mediation and for the mediator assigned to it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from mediation.case import service as case_service
from mediation.case.models import Mediation, Party
from mediation.case.schemas import (
    Agreement,
    IdentityStatus,
    PartyCreate,
    PartyDirectory,
    PartyIdentityRead,
    PartyWithIdentity,
)
from ombuds_shared.app import peer_token
from ombuds_shared.dependencies import state_of
from ombuds_shared.errors import Forbidden
from ombuds_shared.http import ServiceClient
from ombuds_shared.tokens import Actor


def _vault(app: FastAPI) -> ServiceClient:
    vault: ServiceClient = state_of(app).peers["intake"]
    return vault


def _parties_path(mediation_id: str) -> str:
    return f"/v1/internal/mediations/{mediation_id}/parties"


async def add(
    *, app: FastAPI, session: AsyncSession, mediation: Mediation, actor: Actor, data: PartyCreate
) -> Party:
    """Adds a party: its identity, if given, is sealed in the vault first, bound to this
    mediation, and only the vault's reference is kept here."""
    case_service.require_room_for_party(mediation, data.reference)
    reference = data.reference
    if data.identity is not None:
        token = peer_token(app, "intake", actor, asserts={"mediation_id": mediation.id})
        sealed: dict[str, Any] = await _vault(app).call(
            "POST",
            _parties_path(mediation.id),
            token=token,
            json_body={"office": mediation.office, "identity": data.identity.model_dump()},
        )
        reference = str(sealed["party_ref"])
    assert reference is not None
    return await case_service.add_party(
        session=session,
        mediation=mediation,
        reference=reference,
        represents_administration=data.represents_administration,
        actor=actor,
        has_identity=data.identity is not None,
    )


async def require_assigned_without_conflict(
    *, session: AsyncSession, actor: Actor, mediation: Mediation
) -> None:
    """Only the mediator assigned to the mediation, with no conflict declared on it, reads
    its parties' identities; not the chief, not a colleague."""
    if not actor.has_any("mediator") or mediation.mediator != actor.subject:
        raise Forbidden("Only the mediator assigned to this mediation sees its parties.")
    # A declared conflict takes the mediator off the mediation, for good; checked again here
    # so that no path around assignment reveals anything.
    if await case_service.has_declared_conflict(
        session, mediation_id=mediation.id, mediator=actor.subject
    ):
        raise Forbidden("You declared a conflict of interest on this mediation.")


async def directory(*, app: FastAPI, mediation: Mediation, actor: Actor) -> PartyDirectory:
    """The parties with their identities, asked of the vault for the assigned mediator."""
    revealed: dict[str, dict[str, Any] | None] = {}
    if any(p.has_identity for p in mediation.parties):
        token = peer_token(
            app,
            "intake",
            actor,
            asserts={"mediation_id": mediation.id, "assigned": actor.subject},
        )
        answer: dict[str, Any] = await _vault(app).call(
            "GET", _parties_path(mediation.id), token=token
        )
        revealed = {item["party_ref"]: item["identity"] for item in answer["items"]}
    items = []
    for party in mediation.parties:
        identity = revealed.get(party.reference) if party.has_identity else None
        if not party.has_identity:
            status = IdentityStatus.NOT_RECORDED
        elif identity is None:
            status = IdentityStatus.DESTROYED
        else:
            status = IdentityStatus.REVEALED
        items.append(
            PartyWithIdentity(
                id=party.id,
                reference=party.reference,
                represents_administration=party.represents_administration,
                has_identity=party.has_identity,
                agreement=Agreement(party.agreement),
                responded_on=party.responded_on,
                identity=PartyIdentityRead.model_validate(identity) if identity else None,
                identity_status=status,
            )
        )
    return PartyDirectory(items=items)
