"""Mediation's ingress for webhook events other services produce (their outbox relays).

Only cases may deliver `case.assigned`, only intake `request.received`; each event type
has a strict schema of ids, codes and dates (unknown fields refuse it), so nothing else
can ride along to a receiver. Answers like the gateway's event ingress: a status per
event, in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, StringConstraints, ValidationError

from mediation.state import mediation_state
from mediation.webhook import service
from mediation.webhook.schemas import EventType, ScopeKind
from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.directory import CODE_PATTERN
from ombuds_shared.outbox import WEBHOOK_INGRESS_PATH
from ombuds_shared.schemas import InputModel
from ombuds_shared.tokens import Caller

router = APIRouter(tags=["internal"])
Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]


class Envelope(InputModel):
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    event_type: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    aggregate_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    occurred_at: dt.datetime
    payload: dict[str, Any]


class Batch(InputModel):
    events: list[Envelope] = Field(max_length=1000)


class CaseAssigned(InputModel):
    case_id: Id
    office: Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
    assigned_on: dt.date


class RequestReceived(InputModel):
    request_reference: Annotated[str, StringConstraints(pattern=r"^OMB-[A-Z0-9]{4}-[A-Z0-9]{4}$")]
    office: Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
    received_on: dt.date


class Result(BaseModel):
    event_id: str
    status: str


class Results(BaseModel):
    results: list[Result]


# (producer, event type) -> its payload's schema
ACCEPTED: dict[tuple[str, str], type[InputModel]] = {
    ("cases", EventType.CASE_ASSIGNED.value): CaseAssigned,
    ("intake", EventType.REQUEST_RECEIVED.value): RequestReceived,
}


@router.post(WEBHOOK_INGRESS_PATH, response_model=Results, include_in_schema=False)
async def receive_events(
    batch: Batch,
    request: Request,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_peer("cases", "intake"))],
) -> Results:
    producer = str(caller.peer)
    results = []
    for event in batch.events:
        schema = ACCEPTED.get((producer, event.event_type))
        try:
            if schema is None:
                raise ValueError("not an event this producer may send")
            data = schema.model_validate(event.payload)
        except (ValueError, ValidationError):
            results.append(Result(event_id=event.event_id, status="refused"))
            continue
        await service.record_event(
            session,
            event_type=EventType(event.event_type),
            scope_kind=ScopeKind.OFFICE,
            scope_code=data.office,  # type: ignore[attr-defined]
            event_id=f"{producer}:{event.event_id}",
            data=data.model_dump(mode="json"),
            occurred_at=event.occurred_at,
        )
        results.append(Result(event_id=event.event_id, status="stored"))
    await session.commit()
    dispatcher = mediation_state(request.app).webhook_dispatcher
    if dispatcher is not None:
        dispatcher.wake()
    return Results(results=results)
