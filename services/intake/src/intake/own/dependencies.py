"""Who "this caller" is when a visitor acts on their own data, and which request is theirs.

Today the caller is a visitor's login (a visitor token whose `sub` submitted the request
through the visitor channel). An anonymous visitor's receipt code plugs in here: a second
way to resolve `own_request`, and the routes that take OwnRequestDep stay as they are.
"""

from typing import Annotated

from fastapi import Depends, Request

from intake.request import service
from intake.request.models import IntakeRequest
from intake.state import intake_state
from ombuds_shared.auth import require_user
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import NotFound
from ombuds_shared.tokens import Actor

VisitorDep = Annotated[Actor, Depends(require_user("visitor"))]

# How a visitor's own steps go on record (audit logs, peers' `act` claim): as "a visitor",
# ids only. The login subject is erased with the identity, and an append-only, hash-chained
# log could not give it back (tests/test_forensics.py looks for it in every file).
SELF = Actor("visitor:self", frozenset({"visitor"}))


async def own_request(
    reference: str, http: Request, session: SessionDep, actor: VisitorDep
) -> IntakeRequest:
    """The request, if this caller submitted it; to anyone else it does not exist."""
    request = await service.get_by_reference(session=session, reference=reference)
    if request is None or not service.is_own(actor, request, intake_state(http.app).submitter_key):
        raise NotFound("No such request.")
    return request


OwnRequestDep = Annotated[IntakeRequest, Depends(own_request)]
