"""Mediation's ingress for webhook events other services produce (their outbox relays).

Only cases may deliver `case.assigned`, only intake `request.received`; each event type
is validated with the model its producer emits (`ombuds_shared.events.RelayedEvent`:
ids, codes and dates; unknown fields refuse it), so nothing else can ride along to a
receiver. Answers like the gateway's event ingress: a status per
event, in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, StringConstraints, ValidationError

from mediation.state import mediation_state
from mediation.webhook import service
from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.events import WEBHOOK_EVENTS, RelayedEvent
from ombuds_shared.outbox import WEBHOOK_INGRESS_PATH
from ombuds_shared.schemas import InputModel
from ombuds_shared.tokens import Caller

router = APIRouter(tags=["internal"])
RELAYED = {kind: m for kind, m in WEBHOOK_EVENTS.items() if issubclass(m, RelayedEvent)}


class Envelope(InputModel):
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    event_type: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    aggregate_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    occurred_at: dt.datetime
    payload: dict[str, Any]


class Batch(InputModel):
    events: list[Envelope] = Field(max_length=1000)


class Result(BaseModel):
    event_id: str
    status: str


class Results(BaseModel):
    results: list[Result]


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
        model = RELAYED.get(event.event_type)
        try:
            if model is None or model.producer != producer:
                raise ValueError("not an event this producer may send")
            data = model.model_validate(event.payload)
        except (ValueError, ValidationError):
            results.append(Result(event_id=event.event_id, status="refused"))
            continue
        await service.record_event(
            session,
            data,
            scope_code=data.office,
            event_id=f"{producer}:{event.event_id}",
            occurred_at=event.occurred_at,
        )
        results.append(Result(event_id=event.event_id, status="stored"))
    await session.commit()
    dispatcher = mediation_state(request.app).webhook_dispatcher
    if dispatcher is not None:
        dispatcher.wake()
    return Results(results=results)
