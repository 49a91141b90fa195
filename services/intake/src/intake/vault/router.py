"""The vault's internal routes, for the cases service only: reveal and destroy an identity."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from intake.request.dependencies import SessionDep
from intake.vault import service
from intake.vault.schemas import VisitorIdentity
from ombuds_shared.auth import require_peer
from ombuds_shared.tokens import Caller

router = APIRouter(prefix="/v1/internal/visitors", tags=["internal"])
CasesPeerDep = Annotated[Caller, Depends(require_peer("cases"))]


class DestructionResult(BaseModel):
    visitor_ref: str
    destroyed_at: dt.datetime


@router.get(
    "/{visitor_ref}",
    response_model=VisitorIdentity,
    summary="A visitor's identity, for the ombudsman assigned to their case (cases only)",
)
async def reveal_visitor(
    visitor_ref: str, request: Request, session: SessionDep, caller: CasesPeerDep
) -> VisitorIdentity:
    visitor = await service.get_by_ref(session=session, ref=visitor_ref)
    await session.commit()
    identity = service.reveal(envelope=request.app.state.envelope, visitor=visitor)
    if identity is None:
        raise service.gone()
    return identity


@router.post(
    "/{visitor_ref}/destroy",
    response_model=DestructionResult,
    summary="Crypto-shred a visitor's identity and sealed notes (cases only; idempotent)",
)
async def destroy_visitor(
    visitor_ref: str, session: SessionDep, caller: CasesPeerDep
) -> DestructionResult:
    destroyed_at = await service.destroy_by_ref(session=session, ref=visitor_ref)
    return DestructionResult(visitor_ref=visitor_ref, destroyed_at=destroyed_at)
