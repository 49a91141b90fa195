"""The vault's internal routes for the parties of mediations, for the mediation service only.

The mediation service seals a party's identity here and keeps only the reference; the vault
binds it to that mediation and its office for good. A reveal goes through the mediation (never
through a reference), for the mediator the mediation service vouches, in its own signed token,
is assigned to it; the vault checks that against the binding and the mediator's office, and
records one audit entry per party before any identity leaves. Destruction is per mediation.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from intake.audit import service as audit
from intake.vault import parties
from intake.vault import service as vault
from intake.vault.schemas import (
    BoundParties,
    PartiesDestroyed,
    PartyRevealed,
    PartySeal,
    PartySealed,
)
from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import Forbidden, NotFound
from ombuds_shared.retention import RETENTION_ACTOR, scrub_wal
from ombuds_shared.tokens import Caller

router = APIRouter(prefix="/v1/internal/mediations", tags=["internal"])
MediationPeerDep = Annotated[Caller, Depends(require_peer("mediation"))]


def _mediation_id(mediation_id: str) -> str:
    try:
        uuid.UUID(mediation_id)
    except ValueError:
        raise NotFound("No such mediation.") from None
    return mediation_id


def _vouched_for(caller: Caller, mediation_id: str) -> None:
    if caller.asserts.get("mediation_id") != mediation_id:
        raise Forbidden("The caller does not vouch for its user on this mediation.")


@router.post(
    "/{mediation_id}/parties",
    status_code=status.HTTP_201_CREATED,
    response_model=PartySealed,
    summary="Seal a party's identity and bind it to this mediation (mediation only)",
)
async def seal_party(
    mediation_id: str,
    data: PartySeal,
    envelope: EnvelopeDep,
    session: SessionDep,
    caller: MediationPeerDep,
) -> PartySealed:
    mediation_id = _mediation_id(mediation_id)
    actor = caller.actor
    # The administrator, for a mediation imported from the office's old system.
    if actor is None or not actor.has_any("mediator", "chief", "administrator"):
        raise Forbidden("Only a mediator or the chief adds the parties of a mediation.")
    _vouched_for(caller, mediation_id)
    party = await parties.seal(
        envelope=envelope,
        identity=data.identity,
        mediation_id=mediation_id,
        office=data.office,
    )
    session.add(party)
    await audit.record(
        session,
        actor=actor,
        peer=caller.peer,
        action="party.seal",
        context_id=mediation_id,
        record_type="mediation_party",
        record_id=party.id,
    )
    await session.commit()
    return PartySealed(party_ref=party.ref, mediation_id=mediation_id)


@router.get(
    "/{mediation_id}/parties",
    response_model=BoundParties,
    summary="The parties bound to a mediation, for the mediator the mediation service says "
    "is assigned to it",
)
async def reveal_parties(
    mediation_id: str, envelope: EnvelopeDep, session: SessionDep, caller: MediationPeerDep
) -> BoundParties:
    mediation_id = _mediation_id(mediation_id)
    actor = caller.actor
    if actor is None or not actor.has_any("mediator") or not actor.office:
        raise Forbidden("Only the mediator assigned to the mediation sees its parties.")
    _vouched_for(caller, mediation_id)
    if caller.asserts.get("assigned") != actor.subject:
        raise Forbidden("The caller does not vouch that its user is assigned to this mediation.")
    bound = await parties.bound_to(session=session, mediation_id=mediation_id)
    if any(p.office != actor.office for p in bound):
        raise NotFound("No party belongs to this record.")
    for party in bound:
        await audit.record(
            session,
            actor=actor,
            peer=caller.peer,
            action="party.reveal",
            context_id=mediation_id,
            record_type="mediation_party",
            record_id=party.id,
        )
    # Committed before any identity is opened: no unaudited reveal.
    await session.commit()
    return BoundParties(
        mediation_id=mediation_id,
        items=[
            PartyRevealed(
                party_ref=p.ref, identity=await parties.reveal(envelope=envelope, party=p)
            )
            for p in bound
        ],
    )


@router.post(
    "/{mediation_id}/parties/destroy",
    response_model=PartiesDestroyed,
    summary="Crypto-shred every party of a mediation (mediation only; idempotent)",
)
async def destroy_parties(
    mediation_id: str,
    request: Request,
    envelope: EnvelopeDep,
    session: SessionDep,
    caller: MediationPeerDep,
) -> PartiesDestroyed:
    mediation_id = _mediation_id(mediation_id)
    bound = await parties.bound_to(session=session, mediation_id=mediation_id)
    live = [p for p in bound if p.destroyed_at is None]
    await parties.destroy(envelope=envelope, parties=live)
    # Any other identity bound to the mediation goes with it, and so does what its request
    # kept of it (submitter, Idempotency-Key, fingerprint).
    identities = await vault.destroy_bound(
        session=session, envelope=envelope, kind="mediation", bound_id=mediation_id
    )
    await audit.record(
        session,
        actor=caller.actor or RETENTION_ACTOR,
        peer=caller.peer,
        action="party.destroy",
        context_id=mediation_id,
        record_type="mediation",
        record_id=mediation_id,
    )
    await session.commit()
    await scrub_wal(session)  # what was erased leaves the WAL too (SQLite)
    return PartiesDestroyed(
        mediation_id=mediation_id, destroyed=len(live), total=len(bound), identities=identities
    )
