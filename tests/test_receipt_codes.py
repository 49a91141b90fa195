"""Receipt codes (issue 19, item 3): the anonymous visitor's only way back to their request."""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import time
from typing import Any

import httpx

from cases.retention import runner
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import state_of

from .cases_helpers import OFFICE, handler, query, take_case
from .conftest import Stack, intake_body

SECRET = "The deputy director keeps my travel claims blocked."


async def _anonymous(stack: Stack) -> tuple[str, str]:
    body = intake_body()
    del body["visitor"]
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=body, headers=stack.auth("visitor", sub="visitor-quiet")
    )
    assert submitted.status_code == 201, submitted.text
    return submitted.json()["reference"], submitted.json()["receipt_code"]


def answer(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    """What a caller is told, but for the request id every answer has of its own."""
    body = {k: v for k, v in response.json().items() if k != "request_id"}
    return response.status_code, body


def code(value: str) -> dict[str, str]:
    return {"Receipt-Code": value}


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + str(record.__dict__))


async def test_the_holder_follows_the_request_writes_and_adds_contact(
    stack: Stack, client_at: Any
) -> None:
    captured = _Lines()
    logging.getLogger().addHandler(captured)
    try:
        await _holder_follows_the_request(stack, client_at, captured)
    finally:
        logging.getLogger().removeHandler(captured)


async def _holder_follows_the_request(stack: Stack, client_at: Any, captured: _Lines) -> None:
    reference, receipt = await _anonymous(stack)
    holder = client_at("127.0.0.2")
    status = await holder.get("/v1/receipts/request", headers=code(receipt))
    assert status.status_code == 200, status.text
    assert status.json()["reference"] == reference
    assert status.json()["status"] == "submitted"
    assert status.json()["contact_given"] is False
    # As typed by a person: lower case, spaces, no hyphens.
    typed = receipt.lower().replace("-", " ")
    assert (await holder.get("/v1/receipts/request", headers=code(typed))).status_code == 200
    # Messages once the office accepted it and a handler took the case.
    early = await holder.post("/v1/receipts/messages", json={"body": SECRET}, headers=code(receipt))
    assert early.status_code == 409
    me = handler(stack)
    case_id = (
        await stack.gateway.post(f"/v1/intake/requests/{reference}/accept", headers=me)
    ).json()["case_id"]
    await take_case(stack, case_id, me)
    sent = await holder.post("/v1/receipts/messages", json={"body": SECRET}, headers=code(receipt))
    assert sent.status_code == 201, sent.text
    await stack.gateway.post(f"/v1/cases/{case_id}/messages", json={"body": "Noted."}, headers=me)
    waiting = await holder.get("/v1/receipts/request", headers=code(receipt))
    assert waiting.json()["messages_waiting"] == 1
    assert waiting.json()["case_status"] == "opened"
    thread = await holder.get("/v1/receipts/messages", headers=code(receipt))
    assert [m["body"] for m in thread.json()] == [SECRET, "Noted."]
    handled = await stack.gateway.get(f"/v1/cases/{case_id}/messages", headers=me)
    assert [m["body"] for m in handled.json()] == [SECRET, "Noted."]
    # Nobody to reveal yet; then the holder chooses to give contact details, sealed and bound.
    assert (await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=me)).status_code == 404
    contact = {"name": "Ines Moreau", "email": "ines.moreau@example.org"}
    added = await holder.put("/v1/receipts/contact", json=contact, headers=code(receipt))
    assert added.status_code == 200, added.text
    again = await holder.put("/v1/receipts/contact", json=contact, headers=code(receipt))
    assert again.status_code == 409
    revealed = await stack.gateway.get(f"/v1/cases/{case_id}/visitor", headers=me)
    assert revealed.json()["name"] == "Ines Moreau"
    chief = await stack.gateway.get(
        f"/v1/cases/{case_id}/visitor", headers=stack.auth("chief", office=OFFICE)
    )
    assert chief.status_code == 403
    visitors = await query(stack.database_urls["intake"], "SELECT * FROM visitor")
    assert "Ines" not in str(visitors)
    audit = str(await query(stack.database_urls["intake"], "SELECT action FROM audit_event"))
    for action in ("receipt.use", "visitor.contact.add"):
        assert action in audit
    assert receipt not in audit
    # A token, whatever its role, does not reach the holder's routes.
    for role in ("visitor", "ombudsman", "chief", "auditor"):
        refused = await stack.gateway.get("/v1/receipts/request", headers=stack.auth(role))
        assert refused.status_code == 403, role
    # The code never reaches a log line, in any of the services.
    assert captured.lines
    logs = "\n".join(captured.lines)
    assert receipt not in logs
    assert receipt.replace("-", "") not in logs
    assert SECRET not in logs


async def test_a_wrong_code_and_a_malformed_one_are_told_the_same_in_the_same_time(
    stack: Stack, client_at: Any
) -> None:
    _, receipt = await _anonymous(stack)
    wrong = "7K3F-9Q2M-D4XA-PW1C-ZB6R-T8NE"
    assert wrong != receipt
    answers = {}
    timings: dict[str, list[float]] = {"wrong": [], "malformed": [], "missing": []}
    for attempt in range(8):
        # A fresh address each round: the limits are not what is measured here.
        client = client_at(f"127.0.1.{attempt + 1}")
        for kind, headers in (
            ("wrong", code(wrong)),
            ("malformed", code("hello; DROP TABLE")),
            ("missing", {"Receipt-Code": ""}),
        ):
            started = time.perf_counter()
            response = await client.get("/v1/receipts/request", headers=headers)
            timings[kind].append(time.perf_counter() - started)
            answers[kind] = answer(response)
    assert answers["wrong"][0] == 401
    assert answers["wrong"] == answers["malformed"] == answers["missing"]
    # Looked up by the keyed hash in every case: no early refusal of a malformed code.
    medians = {kind: statistics.median(values) for kind, values in timings.items()}
    assert medians["malformed"] > medians["wrong"] / 3, medians
    assert medians["wrong"] > medians["malformed"] / 3, medians


async def test_hammering_codes_gets_429_with_retry_after(stack: Stack, client_at: Any) -> None:
    _, receipt = await _anonymous(stack)
    guesser = client_at("127.0.0.3")
    statuses = []
    for n in range(40):
        response = await guesser.get(
            "/v1/receipts/request", headers=code(f"AAAA-BBBB-CCCC-DDDD-EEEE-{n:04d}")
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert response.headers["content-type"] == "application/problem+json"
            break
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {401}
    # Even the right code is refused from that address now: a 429 tells nothing of a code.
    right = await guesser.get("/v1/receipts/request", headers=code(receipt))
    assert right.status_code == 429
    # Another address is not held back by this one.
    other = client_at("127.0.0.4")
    assert (await other.get("/v1/receipts/request", headers=code(receipt))).status_code == 200
    # Many addresses together meet no limit over all clients: strangers could spend one to
    # lock every holder out, and against 120-bit codes it would not slow guessing anyway
    # (2^120 codes; at 1000 guesses a second from a million addresses, none found in a
    # lifetime). Each address keeps its own budget, so the holder's is untouched.
    spread = [
        (await client_at(f"127.0.2.{n}").get("/v1/receipts/request", headers=code("x"))).status_code
        for n in range(1, 10)
    ]
    assert set(spread) == {401}
    holder = client_at("127.0.2.200")
    assert (await holder.get("/v1/receipts/request", headers=code(receipt))).status_code == 200


async def test_an_expired_code_is_a_wrong_code(stack: Stack, client_at: Any) -> None:
    reference, receipt = await _anonymous(stack)
    holder = client_at("127.0.0.5")
    me = handler(stack)
    case_id = (
        await stack.gateway.post(f"/v1/intake/requests/{reference}/accept", headers=me)
    ).json()["case_id"]
    await take_case(stack, case_id, me)
    closed = await stack.gateway.post(
        f"/v1/cases/{case_id}/status",
        json={"status": "closed", "closure_reason": "options_provided"},
        headers=me,
    )
    assert closed.status_code == 200, closed.text
    # Within its lifetime after closure, the code still shows the outcome.
    still = await holder.get("/v1/receipts/request", headers=code(receipt))
    assert still.json()["case_status"] == "closed"
    wrong = await holder.get("/v1/receipts/request", headers=code("7K3F-9Q2M-D4XA-PW1C-ZB6R-T8NE"))
    settings = state_of(stack.apps["intake"]).settings
    settings.receipt_lifetime_days = 0
    expired = await holder.get("/v1/receipts/request", headers=code(receipt))
    assert answer(expired) == answer(wrong)
    settings.receipt_lifetime_days = 90
    # Destroying the case's identity ends the code for good, whatever the lifetime.
    cases_settings = state_of(stack.apps["cases"]).settings
    done = await runner.run_once(
        cases_settings, dry_run=False, now=utcnow() + dt.timedelta(days=1200)
    )
    assert done.destroyed == [case_id]
    rows = await query(
        stack.database_urls["intake"],
        "SELECT receipt_hash FROM intake_request WHERE reference = :r",
        r=reference,
    )
    assert rows == [{"receipt_hash": None}]
    gone = await holder.get("/v1/receipts/request", headers=code(receipt))
    assert answer(gone) == answer(wrong)
