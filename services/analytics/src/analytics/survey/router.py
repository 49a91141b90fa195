from fastapi import APIRouter, Request, status

from analytics.dependencies import AnalystDep, VisitorDep
from analytics.state import analytics_state
from analytics.survey import service
from analytics.survey.schemas import ExitAnswer, Received, WorkplaceUpload
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/analytics/surveys", tags=["analytics"], responses=PROBLEM_RESPONSES)


@router.post(
    "/workplace",
    status_code=status.HTTP_201_CREATED,
    response_model=Received,
    summary="Upload anonymous responses to a pre-intervention workplace survey",
)
async def upload_workplace(data: WorkplaceUpload, session: SessionDep, _: AnalystDep) -> Received:
    return Received(received=await service.upload_workplace(session=session, data=data))


@router.post(
    "/exit",
    status_code=status.HTTP_201_CREATED,
    response_model=Received,
    summary="Answer the exit survey with the one-time token given when a matter closes",
)
async def answer_exit(
    data: ExitAnswer, request: Request, session: SessionDep, _: VisitorDep
) -> Received:
    token_hash = await service.spendable_exit_token(
        verifier=analytics_state(request.app).exit_token_verifier,
        key=analytics_state(request.app).exit_token_key,
        token=data.token,
    )
    await service.answer_exit(session=session, data=data, token_hash=token_hash)
    return Received(received=1)
