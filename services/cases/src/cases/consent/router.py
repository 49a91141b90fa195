from fastapi import APIRouter, status

from cases.case.dependencies import CONTENT_DESTROYED, ChiefDep, LiveCaseDep, OmbudsmanDep
from cases.consent import service
from cases.consent.schemas import (
    ActionCreate,
    ActionRead,
    ConsentCreate,
    ConsentRead,
    DisclosureCreate,
    DisclosureRead,
    OversightMonth,
    OversightReport,
)
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/cases/{case_id}",
    tags=["consent"],
    responses={**PROBLEM_RESPONSES, **CONTENT_DESTROYED},
)
oversight_router = APIRouter(
    prefix="/v1/oversight", tags=["oversight"], responses=PROBLEM_RESPONSES
)


@router.post(
    "/consents",
    response_model=ConsentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a consent the visitor gave (assigned ombudsman)",
)
async def give_consent(
    data: ConsentCreate,
    envelope: EnvelopeDep,
    case: LiveCaseDep,
    session: SessionDep,
    actor: OmbudsmanDep,
) -> ConsentRead:
    return await service.give(session=session, envelope=envelope, case=case, actor=actor, data=data)


@router.get(
    "/consents",
    response_model=list[ConsentRead],
    summary="The visitor's consents (assigned ombudsman)",
)
async def list_consents(
    envelope: EnvelopeDep, case: LiveCaseDep, session: SessionDep, actor: OmbudsmanDep
) -> list[ConsentRead]:
    return await service.list_consents(session=session, envelope=envelope, case=case, actor=actor)


@router.post(
    "/consents/{consent_id}/revoke",
    response_model=ConsentRead,
    summary="Revoke a consent (assigned ombudsman)",
)
async def revoke_consent(
    consent_id: str, case: LiveCaseDep, session: SessionDep, actor: OmbudsmanDep
) -> ConsentRead:
    return await service.revoke(session=session, case=case, actor=actor, consent_id=consent_id)


@router.post(
    "/actions",
    response_model=ActionRead,
    status_code=status.HTTP_201_CREATED,
    summary="Take an action that needs the visitor's consent (refused without one)",
)
async def take_action(
    data: ActionCreate, case: LiveCaseDep, session: SessionDep, actor: OmbudsmanDep
) -> ActionRead:
    action = await service.act(session=session, case=case, actor=actor, data=data)
    return ActionRead(
        id=action.id,
        action=action.action,
        with_office=action.with_office,
        consent_id=action.consent_id,
        taken_at=action.taken_at,
    )


@router.post(
    "/disclosures",
    response_model=DisclosureRead,
    status_code=status.HTTP_201_CREATED,
    summary="Break-glass disclosure for imminent risk of serious harm (assigned ombudsman)",
)
async def disclose(
    data: DisclosureCreate,
    envelope: EnvelopeDep,
    case: LiveCaseDep,
    session: SessionDep,
    actor: OmbudsmanDep,
) -> DisclosureRead:
    disclosure = await service.disclose(
        session=session, envelope=envelope, case=case, actor=actor, data=data
    )
    return DisclosureRead(
        id=disclosure.id,
        disclosed_to=disclosure.disclosed_to,
        made_by=disclosure.made_by,
        made_at=disclosure.made_at,
    )


@oversight_router.get(
    "/disclosures",
    response_model=OversightReport,
    summary="Break-glass disclosures of your office, counted (chief)",
)
async def oversight(session: SessionDep, actor: ChiefDep) -> OversightReport:
    rows, per_month = await service.oversight(session=session, actor=actor)
    return OversightReport(
        office=actor.office or "",
        total=len(rows),
        by_month=[OversightMonth(month=m, disclosures=n) for m, n in sorted(per_month.items())],
        disclosures=[DisclosureRead.model_validate(r, from_attributes=True) for r in rows],
    )
