"""Who holds a request: the visitor whose token submitted it, or the holder of its receipt code.

These are the two credentials a visitor has to a request of theirs; every route on
the visitor's side resolves the request through one of them (and nothing else):

- `VisitorsOwnRequestDep`: the signed-in visitor who submitted the request (its
  `reference` in the path); anyone else is told it does not exist.
- `ReceiptHeldDep`: the holder of the request's receipt code, sent in the
  `Receipt-Code` header (never in a URL, so it stays out of logs and histories).
  The code is looked up by its keyed hash, so a wrong code, a malformed one,
  a missing one and an expired one all do the same work and get the same
  answer (401); the gateway limits attempts per client and overall.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import select

from intake.audit import service as audit
from intake.config import IntakeSettings
from intake.message import service as case_side
from intake.receipt.codes import code_hash
from intake.request import service as request_service
from intake.request.models import IntakeRequest
from intake.state import intake_state
from ombuds_shared.auth import require_user
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import SessionDep, settings_of
from ombuds_shared.errors import NotFound, Unauthorized
from ombuds_shared.tokens import Actor

RECEIPT_HEADER = "Receipt-Code"
# The role the gateway gives a caller who presents a receipt code (no account, no login).
RECEIPT_HOLDER = "receipt_holder"
_WRONG = "This receipt code is not valid: it is wrong, or it has expired."

VisitorDep = Annotated[Actor, Depends(require_user("visitor"))]
ReceiptHolderDep = Annotated[Actor, Depends(require_user(RECEIPT_HOLDER))]
ReceiptCode = Annotated[
    str | None,
    Header(
        alias=RECEIPT_HEADER,
        description="The receipt code given, once, when the anonymous request was made.",
    ),
]


async def visitors_own_request(
    reference: str, request: Request, session: SessionDep, actor: VisitorDep
) -> IntakeRequest:
    """The request, if this visitor submitted it; to anyone else it does not exist."""
    intake = await request_service.get_by_reference(session=session, reference=reference)
    submitter_key = intake_state(request.app).submitter_key
    if intake is None or not request_service.is_own(actor, intake, submitter_key):
        raise NotFound("No such request.")
    return intake


VisitorsOwnRequestDep = Annotated[IntakeRequest, Depends(visitors_own_request)]


def wrong_code() -> Unauthorized:
    return Unauthorized(_WRONG)


async def receipt_held_request(
    request: Request, session: SessionDep, actor: ReceiptHolderDep, code: ReceiptCode = None
) -> IntakeRequest:
    """The request whose receipt code the caller presents, unless it has expired.

    Every use is audited; a refused code (wrong, malformed, expired) is audited
    too, without anything of the code."""
    digest = code_hash(intake_state(request.app).receipt_key, code or "")
    intake = await session.scalar(select(IntakeRequest).where(IntakeRequest.receipt_hash == digest))
    if intake is not None and await _expired(request, intake):
        intake = None
    if intake is None:
        await audit.record(session, actor=actor, action="receipt.refused", context_id="-")
        await session.commit()
        raise wrong_code()
    await audit.record(session, actor=actor, action="receipt.use", context_id=intake.id)
    await session.commit()
    return intake


ReceiptHeldDep = Annotated[IntakeRequest, Depends(receipt_held_request)]


async def _expired(request: Request, intake: IntakeRequest) -> bool:
    """A code lives until its matter is over and then for the configured lifetime: after
    a decline, or after its case closed."""
    settings = settings_of(request.app, IntakeSettings)
    lifetime = dt.timedelta(days=settings.receipt_lifetime_days)
    if intake.destroyed_at is not None:
        return True
    ended: dt.datetime | None = None
    if intake.status == "declined":
        ended = intake.triaged_at
    elif intake.case_id is not None:
        ended = (await case_side.case_view(app=request.app, request=intake)).closed_at
    return ended is not None and ended + lifetime <= utcnow()
