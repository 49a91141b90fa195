"""The visitor's side of a request's case: its status and the secure messages.

The case lives in the cases service; intake alone knows who submitted the request
that opened it, so the visitor reaches the case only through here. Intake calls
cases with its own token, vouching (`asserts.request`) for the request the case
was opened from, and names the visitor there only as "the visitor of request X"
(never their login subject): cases checks the claim against its own records.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from intake.message.schemas import CaseView, MessageCreate, VisitorMessageRead
from intake.request.models import IntakeRequest
from ombuds_shared.app import peer_token
from ombuds_shared.dependencies import state_of
from ombuds_shared.errors import Conflict
from ombuds_shared.http import ServiceClient
from ombuds_shared.tokens import Actor


def _on_behalf(request: IntakeRequest) -> Actor:
    """Who the cases service sees acting: the visitor of this request, unnamed."""
    return Actor(f"visitor-of-request:{request.id}", frozenset({"visitor"}))


def refuse_without_case(request: IntakeRequest) -> str:
    """The request's case; messages are exchanged only once a case exists (accepted)."""
    if request.case_id is None:
        raise Conflict(
            "Messages are exchanged once the office has accepted the request and opened its "
            "case; until then, there is nobody to write to."
        )
    return request.case_id


async def call_case(
    app: FastAPI, request: IntakeRequest, method: str, what: str, body: Any = None
) -> Any:
    """Calls the cases service about this request's case, vouching (in intake's own signed
    token) that the acting visitor is the one who submitted the request."""
    case_id = refuse_without_case(request)
    cases: ServiceClient = state_of(app).peers["cases"]
    token = peer_token(app, "cases", _on_behalf(request), asserts={"request": request.id})
    return await cases.call(
        method, f"/v1/internal/cases/{case_id}/{what}", token=token, json_body=body
    )


async def case_view(*, app: FastAPI, request: IntakeRequest) -> CaseView:
    return CaseView.model_validate(await call_case(app, request, "GET", "visitor-view"))


async def read(*, app: FastAPI, request: IntakeRequest) -> list[VisitorMessageRead]:
    rows = await call_case(app, request, "GET", "messages")
    return [VisitorMessageRead.model_validate(_visitors_view(row)) for row in rows]


async def send(*, app: FastAPI, request: IntakeRequest, data: MessageCreate) -> VisitorMessageRead:
    row = await call_case(app, request, "POST", "messages", data.model_dump())
    return VisitorMessageRead.model_validate(_visitors_view(row))


def _visitors_view(row: dict[str, Any]) -> dict[str, Any]:
    # The visitor talks with "the office's handler": the ombudsman's login is not theirs to see.
    return {k: v for k, v in row.items() if k != "author"}
