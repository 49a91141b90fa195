"""The visitor's own data: what the office holds about them, and their erasure request.

The cases service answers for the case (statuses and dates only, its internal
`visitor-view` route); intake vouches that the case is this visitor's, since the
request that opened it is. Every read is on intake's audit log before anything leaves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.audit import service as audit
from intake.own.dependencies import SELF
from intake.own.schemas import ErasureRequested, OwnCase, OwnData, OwnRequest
from intake.request import service as requests
from intake.request.models import IntakeRequest
from intake.request.schemas import RequestStatus
from intake.request.submitter import submitter_tag
from intake.vault import service as vault
from ombuds_shared.crypto import Envelope
from ombuds_shared.errors import Conflict
from ombuds_shared.tokens import Actor
from ombuds_shared.vocabulary import Channel

# Calls the cases service as intake about one request's case (method, request, what) -> answer.
CasesCall = Callable[[str, IntakeRequest, str], Awaitable[dict[str, Any]]]

# Enough for any one person; a longer history is the office's to explain, not a page to scroll.
MAX_OWN_REQUESTS = 200


async def own_data(
    *,
    session: AsyncSession,
    envelope: Envelope | None,
    actor: Actor,
    cases: CasesCall,
    submitter_key: bytes,
) -> OwnData:
    rows = list(
        await session.scalars(
            select(IntakeRequest)
            .where(
                IntakeRequest.channel == Channel.VISITOR,
                IntakeRequest.submitted_by == submitter_tag(submitter_key, actor.subject),
            )
            .order_by(IntakeRequest.submitted_at.desc(), IntakeRequest.id.desc())
            .limit(MAX_OWN_REQUESTS)
        )
    )
    # On record before anything leaves: that the visitor read their data, and each identity.
    await audit.record(session, actor=SELF, action="visitor.data.read", context_id="self",
                       record_type="visitor_data")  # fmt: skip
    for row in rows:
        await audit.record(session, actor=SELF, action="visitor.reveal", context_id=row.id,
                           record_type="visitor", record_id=row.visitor_id)  # fmt: skip
    await session.commit()
    # Messages (issue 19, item 5) join here: a section of OwnData, read the same way.
    items = []
    for row in rows:
        identity = await vault.reveal(envelope=envelope, visitor=row.visitor)
        read = await requests.to_read(
            request=row, actor=actor, envelope=envelope, identity=identity, own=True
        )
        case = None
        if row.status == RequestStatus.ACCEPTED and row.case_id:
            case = OwnCase.model_validate(await cases("GET", row, "visitor-view"))
        items.append(OwnRequest(**read.model_dump(), case=case))
    return OwnData(requests=items)


async def request_erasure(
    *, session: AsyncSession, request: IntakeRequest, cases: CasesCall
) -> ErasureRequested:
    """Forwards the visitor's request to the case's office; asking again changes nothing."""
    if request.status == RequestStatus.SUBMITTED:
        raise Conflict("This request is not triaged yet: withdraw it instead.")
    if request.status != RequestStatus.ACCEPTED or not request.case_id:
        raise Conflict(
            f"This request was {request.status}; it is destroyed under the retention schedule."
        )
    case_id = request.case_id
    await session.commit()  # no transaction open while cases answers
    state = await cases("POST", request, "erasure-request")
    await audit.record(session, actor=SELF, action="erasure.request", context_id=request.id,
                       record_type="case", record_id=case_id)  # fmt: skip
    await session.commit()
    return ErasureRequested(reference=request.reference, **state)
