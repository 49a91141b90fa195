"""The internal event ingress: producers' relays post here; analytics gets the projection."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StringConstraints

from gateway.events.projection import PRODUCERS, Refused, project
from gateway.state import gateway_state
from ombuds_shared.auth import bearer_token
from ombuds_shared.errors import Forbidden
from ombuds_shared.keys import SigningKey
from ombuds_shared.outbox import EVENT_INGRESS_PATH
from ombuds_shared.schemas import InputModel
from ombuds_shared.tokens import INTERNAL_TOKEN_LIFETIME_SECONDS, mint_event_token

router = APIRouter(tags=["events"])
logger = logging.getLogger("ombuds.events")

# Where analytics takes the projected events.
ANALYTICS_INGESTION_PATH = "/v1/internal/events"
MAX_BATCH = 1000

EventId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class EventEnvelope(InputModel):
    """An outbox row as a relay delivers it (docs/events.md)."""

    event_id: EventId
    event_type: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    aggregate_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    occurred_at: dt.datetime
    payload: dict[str, Any]


class EventBatch(InputModel):
    events: list[EventEnvelope] = Field(max_length=MAX_BATCH)


class EventResult(BaseModel):
    event_id: str
    status: str


class EventResults(BaseModel):
    """Per event, in the order sent: stored, duplicate, or refused."""

    results: list[EventResult]


class EventTokens:
    """The gateway's event token for analytics, reused for half its lifetime."""

    def __init__(self, key: SigningKey) -> None:
        self._key = key
        self._token = ""
        self._until = 0.0

    def __call__(self) -> str:
        now = time.monotonic()
        if now >= self._until:
            self._token = mint_event_token(self._key, audience="analytics")
            self._until = now + INTERNAL_TOKEN_LIFETIME_SECONDS / 2
        return self._token


@router.post(EVENT_INGRESS_PATH, response_model=EventResults, include_in_schema=False)
async def ingest_events(batch: EventBatch, request: Request) -> EventResults:
    """Projects a producer's events through the allow-list and forwards them to analytics."""
    state = gateway_state(request.app)
    claims = await state.peer_verifier.verify(bearer_token(request))
    producer = str(claims["iss"])
    if producer not in PRODUCERS:
        raise Forbidden("Only the producing services deliver events.")
    statuses: dict[str, str] = {}
    forwarded: list[dict[str, Any]] = []
    originals: dict[str, str] = {}
    for event in batch.events:
        try:
            projected = project(
                producer=producer,
                event_id=event.event_id,
                event_type=event.event_type,
                payload=event.payload,
                pseudonym=state.pseudonymizer,
            )
        except Refused as exc:
            # The reason only: the payload may hold exactly what must not be logged.
            logger.warning("event refused", extra={"event_type": event.event_type, "why": str(exc)})
            statuses[event.event_id] = "refused"
            continue
        originals[projected["event_id"]] = event.event_id
        forwarded.append(projected)
    if forwarded:
        analytics = state.clients["analytics"]
        answer = await analytics.call(
            "POST",
            ANALYTICS_INGESTION_PATH,
            token=state.event_tokens(),
            json_body={"events": forwarded},
        )
        for result in answer["results"]:
            original = originals.get(str(result.get("event_id")))
            if original is not None:
                statuses[original] = str(result.get("status"))
    return EventResults(
        results=[
            EventResult(event_id=e.event_id, status=statuses.get(e.event_id, "refused"))
            for e in batch.events
        ]
    )
