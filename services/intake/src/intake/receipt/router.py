"""The routes of a receipt code's holder: an anonymous visitor, known by their code alone.

The code travels in the `Receipt-Code` header of every call (never in a URL); the
gateway admits it without a token and limits the attempts; `ReceiptHeldDep`
resolves it to the one request it was given for (see intake.receipt.holder).
"""

from fastapi import APIRouter, Request, status

from intake.message import service as case_side
from intake.message.schemas import MessageCreate, VisitorMessageRead
from intake.receipt import service
from intake.receipt.holder import ReceiptHeldDep, ReceiptHolderDep, wrong_code
from intake.receipt.schemas import ContactAdded, ReceiptRequestRead
from intake.vault.schemas import VisitorIdentity
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES, Conflict, TooManyRequests
from ombuds_shared.openapi import problem_responses

router = APIRouter(
    prefix="/v1/receipts",
    tags=["receipts"],
    responses={
        **PROBLEM_RESPONSES,
        **problem_responses(
            ("wrong-code", wrong_code()),
            TooManyRequests("Slow down: too many receipt-code attempts from this client."),
        ),
    },
)


@router.get(
    "/request",
    response_model=ReceiptRequestRead,
    summary="Your anonymous request's status, and whether a message waits (receipt code)",
)
async def read_request(
    request: Request, intake: ReceiptHeldDep, session: SessionDep
) -> ReceiptRequestRead:
    return await service.status(app=request.app, session=session, request=intake)


@router.get(
    "/messages",
    response_model=list[VisitorMessageRead],
    responses=problem_responses(("no-case-yet", Conflict("Messages are exchanged once accepted."))),
    summary="Read your messages with the handler of your request's case (receipt code)",
)
async def read_messages(request: Request, intake: ReceiptHeldDep) -> list[VisitorMessageRead]:
    return await case_side.read(app=request.app, request=intake)


@router.post(
    "/messages",
    response_model=VisitorMessageRead,
    status_code=status.HTTP_201_CREATED,
    summary="Write to the handler of your request's case (receipt code)",
)
async def send_message(
    data: MessageCreate, request: Request, intake: ReceiptHeldDep
) -> VisitorMessageRead:
    return await case_side.send(app=request.app, request=intake, data=data)


@router.put(
    "/contact",
    response_model=ContactAdded,
    summary="Add contact details to your anonymous request, if you choose (receipt code; once)",
)
async def add_contact(
    identity: VisitorIdentity,
    request: Request,
    envelope: EnvelopeDep,
    intake: ReceiptHeldDep,
    session: SessionDep,
    actor: ReceiptHolderDep,
) -> ContactAdded:
    await service.add_contact(
        session=session,
        envelope=envelope,
        request=intake,
        identity=identity,
        actor=actor,
    )
    return ContactAdded(reference=intake.reference)
