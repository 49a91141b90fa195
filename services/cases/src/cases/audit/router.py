from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from cases.audit import service
from cases.audit.schemas import AuditEntryRead, AuditPage, ChainHeadRead, SignedHeadRead
from cases.case.dependencies import SessionDep
from ombuds_shared.auth import require_user
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ombuds_shared.tokens import Actor

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)
AuditorDep = Annotated[Actor, Depends(require_user("auditor"))]


@router.get("/cases", response_model=AuditPage, summary="The cases service's audit log (auditor)")
async def read_log(
    session: SessionDep,
    actor: AuditorDep,
    record_id: Annotated[str | None, Query(max_length=64)] = None,
    case_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> AuditPage:
    rows, next_cursor = await service.list_entries(
        session=session, record_id=record_id, case_id=case_id, cursor=cursor, limit=limit
    )
    return AuditPage(
        items=[AuditEntryRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.get(
    "/cases/head",
    response_model=SignedHeadRead,
    summary="Where each chain of the log ends, signed: keep it to detect a rewrite later (auditor)",
)
async def signed_head(request: Request, session: SessionDep, actor: AuditorDep) -> SignedHeadRead:
    head, token = await service.signed_head(session=session, key=request.app.state.signing_key)
    return SignedHeadRead(
        service=head.service,
        signed_at=head.signed_at,
        entries=head.entries,
        kid=head.kid,
        chains=[ChainHeadRead(chain=h.chain, seq=h.seq, hash=h.hash) for h in head.heads],
        jws=token,
    )
