from typing import Annotated

from fastapi import Depends, Request

from intake.request import service
from intake.request.models import IntakeRequest
from intake.state import intake_state
from ombuds_shared.auth import require_user
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import NotFound
from ombuds_shared.tokens import Actor

SUBMITTER_ROLES = ("visitor", "hr_portal", "referring_office")
SubmitterDep = Annotated[Actor, Depends(require_user(*SUBMITTER_ROLES))]
ReaderDep = Annotated[Actor, Depends(require_user("visitor", "ombudsman", "chief"))]
TriagerDep = Annotated[Actor, Depends(require_user("ombudsman", "chief"))]
OmbudsmanDep = Annotated[Actor, Depends(require_user("ombudsman"))]

_NOT_FOUND = "No such request."


async def readable_request(
    reference: str, http: Request, session: SessionDep, actor: ReaderDep
) -> IntakeRequest:
    """The request, if this actor may read it; to anyone else it does not exist."""
    request = await service.get_by_reference(session=session, reference=reference)
    if request is None or not service.may_read(
        actor, request, intake_state(http.app).submitter_key
    ):
        raise NotFound(_NOT_FOUND)
    return request


async def office_request(reference: str, session: SessionDep, actor: TriagerDep) -> IntakeRequest:
    """The request, if it was sent to the triaging actor's office."""
    request = await service.get_by_reference(session=session, reference=reference)
    if request is None or request.office != actor.office:
        raise NotFound(_NOT_FOUND)
    return request


ReadableRequestDep = Annotated[IntakeRequest, Depends(readable_request)]
OfficeRequestDep = Annotated[IntakeRequest, Depends(office_request)]
