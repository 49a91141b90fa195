"""The visitor's identity, for the ombudsman assigned to the case: asked of intake's vault,
which reveals it through this case only."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from cases.audit import service as audit
from cases.case.dependencies import CONTENT_DESTROYED, LiveCaseDep, OmbudsmanDep
from ombuds_shared.app import peer_token
from ombuds_shared.dependencies import PeersDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES, NotFound
from ombuds_shared.http import ServiceClient

router = APIRouter(
    prefix="/v1/cases/{case_id}",
    tags=["visitor"],
    responses={**PROBLEM_RESPONSES, **CONTENT_DESTROYED},
)


class VisitorIdentityRead(BaseModel):
    """Who the visitor is and how they wish to be reached, as intake's vault holds it."""

    name: str
    email: str | None = None
    phone: str | None = None
    staff_index_number: str | None = None
    preferred_contact: str


@router.get(
    "/visitor",
    response_model=VisitorIdentityRead,
    summary="The visitor's identity (assigned ombudsman only)",
)
async def visitor_identity(
    request: Request, peers: PeersDep, case: LiveCaseDep, session: SessionDep, actor: OmbudsmanDep
) -> VisitorIdentityRead:
    ref = case.visitor_ref
    if not ref:
        raise NotFound("This case has no visitor on record.")
    await audit.record(
        session,
        actor=actor,
        action="visitor.reveal",
        case_id=case.id,
        record_type="visitor",
        record_id=ref,
    )
    # Recorded (and committed) before the identity is fetched: no unaudited reveal.
    await session.commit()
    # The vault reveals the identity bound to this case only, and only to the user this
    # service vouches handles it; it checks both against its own records and audits it.
    token = peer_token(request.app, "intake", actor, asserts={"handles": f"case:{case.id}"})
    intake: ServiceClient = peers["intake"]
    identity: dict[str, Any] = await intake.call(
        "GET", f"/v1/internal/cases/{case.id}/visitor", token=token
    )
    return VisitorIdentityRead.model_validate(identity)
