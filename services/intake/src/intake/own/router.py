"""The visitor's own data: withdraw a request, read what the office holds, ask for erasure.

Only the visitor who submitted (see intake.own.dependencies: the one place that says who
"this caller" is). An HR portal or a referring office that submitted on someone's behalf
learns only the acknowledgement (P8), so it neither withdraws nor reads: the person
asks the office, which declines the request if they no longer want help.
"""

from typing import Any

from fastapi import APIRouter, Request, status

from intake.message.service import call_case
from intake.own import service
from intake.own.dependencies import SELF, OwnRequestDep, VisitorDep
from intake.own.schemas import ErasureRequested, OwnData
from intake.request import service as requests
from intake.request.models import IntakeRequest
from intake.request.schemas import RequestStatus, TriageResult
from intake.state import intake_state
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES, Conflict
from ombuds_shared.openapi import problem_responses
from ombuds_shared.retention import scrub_wal

router = APIRouter(prefix="/v1/intake", tags=["your data"], responses=PROBLEM_RESPONSES)


def _cases(request: Request) -> service.CasesCall:
    """Calls the cases service as intake, vouching for the visitor of one request (never
    their login), as the messages do."""

    async def call(method: str, intake: IntakeRequest, what: str) -> dict[str, Any]:
        answer: dict[str, Any] = await call_case(request.app, intake, method, what)
        return answer

    return call


@router.post(
    "/requests/{reference}/withdraw",
    response_model=TriageResult,
    summary="Withdraw your request before the office triages it: your identity is destroyed "
    "at once",
    responses=problem_responses(
        (
            "being-accepted",
            Conflict("The office is accepting this request right now; it cannot be withdrawn."),
        ),
        (
            "accepted",
            Conflict("This request was accepted; ask for its erasure once the case is closed."),
        ),
        path="/v1/intake/requests/{reference}/withdraw",
    ),
)
async def withdraw_request(
    request: Request,
    envelope: EnvelopeDep,
    intake: OwnRequestDep,
    session: SessionDep,
    actor: VisitorDep,
) -> TriageResult:
    withdrawn = await requests.withdraw(
        session=session, envelope=envelope, request=intake, actor=SELF
    )
    await scrub_wal(session)  # what was erased leaves the WAL too (SQLite)
    return TriageResult(reference=withdrawn.reference, status=RequestStatus(withdrawn.status))


@router.get(
    "/me",
    response_model=OwnData,
    summary="Everything the office holds about you that is not privileged (audited)",
)
async def own_data(
    request: Request, envelope: EnvelopeDep, session: SessionDep, actor: VisitorDep
) -> OwnData:
    return await service.own_data(
        session=session,
        envelope=envelope,
        actor=actor,
        cases=_cases(request),
        submitter_key=intake_state(request.app).submitter_key,
    )


@router.post(
    "/requests/{reference}/erasure-request",
    response_model=ErasureRequested,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask for your closed matter to be erased now; its handler or the chief confirms",
    responses=problem_responses(
        ("case-open", Conflict("Only a closed matter is erased; this case is still open.")),
        ("not-triaged", Conflict("This request is not triaged yet: withdraw it instead.")),
        path="/v1/intake/requests/{reference}/erasure-request",
    ),
)
async def request_erasure(
    request: Request, intake: OwnRequestDep, session: SessionDep, actor: VisitorDep
) -> ErasureRequested:
    return await service.request_erasure(session=session, request=intake, cases=_cases(request))
