"""The vault's internal routes: reveal and destroy an identity (cases), and destroy the
identities bound to a mediation (mediation's retention).

An identity is revealed through the case it is bound to, never through its reference
alone: a reference seen elsewhere (a list, an audit entry) opens nothing. The cases
service vouches, in its own signed token, that its acting user handles that case; the
vault checks that against its own records (the binding, the office, the conflicts
declared before triage) and records the reveal before the identity leaves.
"""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import exists, select

from intake.audit import service as audit
from intake.request.models import IntakeRequest, RequestConflict
from intake.vault import service
from intake.vault.schemas import VisitorIdentity
from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import Forbidden, NotFound
from ombuds_shared.retention import scrub_wal
from ombuds_shared.tokens import Caller

router = APIRouter(prefix="/v1/internal", tags=["internal"])
CasesPeerDep = Annotated[Caller, Depends(require_peer("cases"))]
MediationPeerDep = Annotated[Caller, Depends(require_peer("mediation"))]


class DestructionResult(BaseModel):
    visitor_ref: str
    destroyed_at: dt.datetime


@router.get(
    "/cases/{case_id}/visitor",
    response_model=VisitorIdentity,
    summary="The identity bound to a case, for the ombudsman the cases service says handles it",
)
async def reveal_case_visitor(
    case_id: str, request: Request, envelope: EnvelopeDep, session: SessionDep, caller: CasesPeerDep
) -> VisitorIdentity:
    actor = caller.actor
    if actor is None or not actor.has_any("ombudsman") or not actor.office:
        raise Forbidden("Only the ombudsman handling the case sees the visitor's identity.")
    if caller.asserts.get("handles") != f"case:{case_id}":
        raise Forbidden("The caller does not vouch that its user handles this case.")
    visitor = await service.get_bound(session=session, kind="case", bound_id=case_id)
    if visitor.bound_office != actor.office:
        raise NotFound("No identity belongs to this record.")
    if service.is_anonymous(visitor):
        raise service.anonymous()
    intake = await session.scalar(
        select(IntakeRequest.id).where(IntakeRequest.visitor_id == visitor.id)
    )
    context_id = intake or visitor.id
    conflicted = await session.scalar(
        select(
            exists().where(
                RequestConflict.request_id == context_id,
                RequestConflict.ombudsman == actor.subject,
            )
        )
    )
    if conflicted:
        raise Forbidden("You declared a conflict of interest with this visitor's request.")
    # Committed before the identity is opened: no unaudited reveal.
    await audit.record_read(
        session,
        actor=actor,
        peer=caller.peer,
        action="visitor.reveal",
        context_id=context_id,
        record_type="visitor",
        record_id=visitor.id,
    )
    identity = await service.reveal(envelope=envelope, visitor=visitor)
    if identity is None:
        raise service.gone()
    return identity


@router.post(
    "/visitors/{visitor_ref}/destroy",
    response_model=DestructionResult,
    summary="Crypto-shred a visitor's identity and sealed notes (cases only; idempotent)",
)
async def destroy_visitor(
    visitor_ref: str, envelope: EnvelopeDep, session: SessionDep, caller: CasesPeerDep
) -> DestructionResult:
    destroyed_at = await service.destroy_by_ref(
        session=session, envelope=envelope, ref=visitor_ref, peer=caller.peer
    )
    await scrub_wal(session)  # what was erased leaves the WAL too (SQLite)
    return DestructionResult(visitor_ref=visitor_ref, destroyed_at=destroyed_at)
