from typing import Any

from fastapi import APIRouter, Request, status

from cases import audited_records
from cases.case.dependencies import CaseReaderDep, LiveCaseDep, OfficeCaseDep
from cases.config import CasesSettings
from cases.issue_coding import service
from cases.issue_coding.models import CaseIssue, Referral, ServiceGiven, SystemicTag
from cases.issue_coding.schemas import (
    IssueCreate,
    IssueRead,
    ReferralCreate,
    ReferralRead,
    ServiceCreate,
    ServiceRead,
    SystemicTagCreate,
    SystemicTagRead,
)
from ombuds_shared.app import peer_token
from ombuds_shared.dependencies import SessionDep, settings_of, state_of
from ombuds_shared.errors import PROBLEM_RESPONSES, AppError, ServiceUnavailable, UpstreamFailed
from ombuds_shared.taxonomy import category_of
from ombuds_shared.tokens import Actor

router = APIRouter(prefix="/v1/cases/{case_id}", tags=["coding"], responses=PROBLEM_RESPONSES)


@router.post(
    "/issues",
    response_model=IssueRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record an issue of the case (taxonomy sub-category)",
)
async def record_issue(
    data: IssueCreate, case: LiveCaseDep, session: SessionDep, actor: CaseReaderDep
) -> IssueRead:
    issue = await service.record_issue(session=session, case=case, actor=actor, data=data)
    return IssueRead(
        code=issue.code,
        category=category_of(issue.code),
        taxonomy_version=issue.taxonomy_version,
        recorded_at=issue.recorded_at,
    )


@router.get("/issues", response_model=list[IssueRead], summary="The issues of the case")
async def list_issues(
    case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> list[IssueRead]:
    rows = await audited_records.list_rows(
        session=session, model=CaseIssue, case=case, actor=actor, what="issue"
    )
    return [IssueRead.of(r) for r in rows]


@router.post(
    "/services",
    response_model=ServiceRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a service given (mediation opens a mediation case)",
)
async def give_service(
    data: ServiceCreate,
    request: Request,
    case: LiveCaseDep,
    session: SessionDep,
    actor: CaseReaderDep,
) -> ServiceRead:
    codes = await service.issue_codes(session=session, case_id=case.id)

    async def open_mediation(body: dict[str, Any]) -> str:
        return await _open_mediation(request, actor, body)

    given = await service.give_service(
        session=session,
        case=case,
        actor=actor,
        data=data,
        issue_codes=codes,
        open_mediation=open_mediation,
    )
    return ServiceRead.model_validate(given)


async def _open_mediation(request: Request, actor: Actor, body: dict[str, Any]) -> str:
    """Opens the mediation; anything but a 2xx answer with an id is the peer's failure."""
    mediation = state_of(request.app).peers["mediation"]
    # Mediations are worked by the Mediation Service's mediators, not the case's office.
    body = {**body, "office": settings_of(request.app, CasesSettings).mediation_office}
    try:
        answer = await mediation.call(
            "POST",
            "/v1/internal/mediations",
            token=peer_token(request.app, "mediation", actor),
            json_body=body,
            idempotency_key=body["source_case_id"],
        )
    except ServiceUnavailable:
        raise
    except AppError as exc:
        raise UpstreamFailed(
            f"The mediation service refused to open the mediation ({exc.status})."
        ) from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
        raise UpstreamFailed("The mediation service did not say which mediation it opened.")
    return str(answer["id"])


@router.get("/services", response_model=list[ServiceRead], summary="The services given")
async def list_services(
    case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> list[ServiceRead]:
    rows = await audited_records.list_rows(
        session=session, model=ServiceGiven, case=case, actor=actor, what="service"
    )
    return [ServiceRead.model_validate(r) for r in rows]


@router.post(
    "/referrals",
    response_model=ReferralRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a referral to a formal channel",
)
async def refer(
    data: ReferralCreate, case: LiveCaseDep, session: SessionDep, actor: CaseReaderDep
) -> ReferralRead:
    return ReferralRead.model_validate(
        await service.refer(session=session, case=case, actor=actor, data=data)
    )


@router.get("/referrals", response_model=list[ReferralRead], summary="The referrals made")
async def list_referrals(
    case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> list[ReferralRead]:
    rows = await audited_records.list_rows(
        session=session, model=Referral, case=case, actor=actor, what="referral"
    )
    return [ReferralRead.model_validate(r) for r in rows]


@router.post(
    "/systemic-issues",
    response_model=SystemicTagRead,
    status_code=status.HTTP_201_CREATED,
    summary="Tag the case with a systemic issue",
)
async def tag(
    data: SystemicTagCreate, case: LiveCaseDep, session: SessionDep, actor: CaseReaderDep
) -> SystemicTagRead:
    return SystemicTagRead.model_validate(
        await service.tag_systemic_issue(session=session, case=case, actor=actor, data=data)
    )


@router.get(
    "/systemic-issues",
    response_model=list[SystemicTagRead],
    summary="The systemic issues the case is tagged with",
)
async def list_tags(
    case: OfficeCaseDep, session: SessionDep, actor: CaseReaderDep
) -> list[SystemicTagRead]:
    rows = await audited_records.list_rows(
        session=session, model=SystemicTag, case=case, actor=actor, what="systemic_tag"
    )
    return [SystemicTagRead.model_validate(r) for r in rows]
