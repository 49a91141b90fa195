"""A visitor's secure messages with the handler of the case their request opened."""

from fastapi import APIRouter, Request, status

from intake.message import service
from intake.message.schemas import MessageCreate, VisitorMessageRead
from intake.receipt.holder import VisitorsOwnRequestDep
from ombuds_shared.errors import PROBLEM_RESPONSES, Conflict
from ombuds_shared.openapi import problem_responses

router = APIRouter(
    prefix="/v1/intake/requests/{reference}/messages",
    tags=["messages"],
    responses={
        **PROBLEM_RESPONSES,
        **problem_responses(("no-case-yet", Conflict("Messages are exchanged once accepted."))),
    },
)


@router.get(
    "",
    response_model=list[VisitorMessageRead],
    summary="Read your messages with the handler of your request's case (visitor)",
)
async def read_messages(
    request: Request, intake: VisitorsOwnRequestDep
) -> list[VisitorMessageRead]:
    return await service.read(app=request.app, request=intake)


@router.post(
    "",
    response_model=VisitorMessageRead,
    status_code=status.HTTP_201_CREATED,
    summary="Write to the handler of your request's case (visitor)",
)
async def send_message(
    data: MessageCreate, request: Request, intake: VisitorsOwnRequestDep
) -> VisitorMessageRead:
    return await service.send(app=request.app, request=intake, data=data)
