"""Secure messages between a visitor and the assigned handler (issue 19, item 5)."""

from __future__ import annotations

import datetime as dt

from cases.retention import runner
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import state_of

from .cases_helpers import HANDLER, OFFICE, handler, query
from .conftest import Stack, intake_body

SECRET = "My manager Mr. Vasquez shouted at me again on Tuesday."
REPLY = "Thank you; could we meet on Thursday at the office?"


async def _accepted(stack: Stack, visitor: dict[str, str]) -> tuple[str, str]:
    """A visitor's request, accepted, its case taken by HANDLER: (reference, case_id)."""
    submitted = await stack.gateway.post("/v1/intake/requests", json=intake_body(), headers=visitor)
    reference = submitted.json()["reference"]
    me = handler(stack)
    # Before a case exists there is nobody to write to.
    early = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/messages", json={"body": SECRET}, headers=visitor
    )
    assert early.status_code == 409, early.text
    accepted = await stack.gateway.post(f"/v1/intake/requests/{reference}/accept", headers=me)
    case_id = accepted.json()["case_id"]
    await stack.gateway.post(
        f"/v1/cases/{case_id}/conflict-declarations", json={"has_conflict": False}, headers=me
    )
    taken = await stack.gateway.post(f"/v1/cases/{case_id}/assignment", json={}, headers=me)
    assert taken.status_code == 200, taken.text
    return reference, case_id


async def test_the_visitor_and_the_assigned_handler_exchange_sealed_messages(stack: Stack) -> None:
    visitor = stack.auth("visitor", sub="visitor-msg")
    reference, case_id = await _accepted(stack, visitor)
    me = handler(stack)
    sent = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/messages", json={"body": SECRET}, headers=visitor
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["sender"] == "visitor"
    replied = await stack.gateway.post(
        f"/v1/cases/{case_id}/messages", json={"body": REPLY}, headers=me
    )
    assert replied.status_code == 201, replied.text
    assert replied.json()["author"] == HANDLER
    # The visitor's view of the request says a message waits, never what it says.
    read = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=visitor)
    assert read.json()["messages_waiting"] == 1
    assert read.json()["case_status"] == "opened"
    assert REPLY not in read.text
    thread = await stack.gateway.get(f"/v1/intake/requests/{reference}/messages", headers=visitor)
    assert thread.status_code == 200, thread.text
    assert [(m["sender"], m["body"]) for m in thread.json()] == [
        ("visitor", SECRET),
        ("handler", REPLY),
    ]
    assert all("author" not in m for m in thread.json())  # the handler's login is not theirs
    again = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=visitor)
    assert again.json()["messages_waiting"] == 0
    handled = await stack.gateway.get(f"/v1/cases/{case_id}/messages", headers=me)
    assert [m["body"] for m in handled.json()] == [SECRET, REPLY]
    assert handled.json()[0]["author"] is None  # the visitor is never named in cases
    assert handled.json()[1]["read_at"] is not None
    # Through GraphQL, the same for the handler.
    graphql = await stack.gateway.post(
        "/graphql",
        json={"query": f'{{ case(id: "{case_id}") {{ messages {{ sender body }} }} }}'},
        headers=me,
    )
    assert graphql.json()["data"]["case"]["messages"][0]["body"] == SECRET
    # Sealed at rest; nothing of it in events, audit logs or analytics; the visitor's login
    # subject never reaches the cases service.
    rows = await query(stack.database_urls["cases"], "SELECT * FROM case_message")
    assert len(rows) == 2
    everything = ""
    for db, table in (
        ("cases", "case_message"),
        ("cases", "outbox_event"),
        ("cases", "audit_event"),
        ("intake", "audit_event"),
        ("analytics", "case_fact"),
    ):
        everything += str(await query(stack.database_urls[db], f"SELECT * FROM {table}"))  # noqa: S608
    for secret in (SECRET, REPLY, "Vasquez"):
        assert secret not in everything
    cases_audit = str(await query(stack.database_urls["cases"], "SELECT * FROM audit_event"))
    assert "visitor-msg" not in cases_audit
    assert "message.visitor.read" in cases_audit
    assert "message.handler.read" in cases_audit


async def test_messages_are_the_assigned_handlers_and_the_visitors_only(stack: Stack) -> None:
    visitor = stack.auth("visitor", sub="visitor-own")
    reference, case_id = await _accepted(stack, visitor)
    await stack.gateway.post(
        f"/v1/intake/requests/{reference}/messages", json={"body": SECRET}, headers=visitor
    )
    path = f"/v1/cases/{case_id}/messages"
    for who in (
        stack.auth("chief", office=OFFICE),
        stack.auth("auditor"),
        stack.auth("analyst"),
        handler(stack, sub="omb-colleague"),
    ):
        for method in ("GET", "POST"):
            refused = await stack.gateway.request(
                method, path, json={"body": "x"} if method == "POST" else None, headers=who
            )
            assert refused.status_code == 403, (who, method, refused.text)
            assert SECRET not in refused.text
    elsewhere = handler(stack, sub="omb-geneva", office="geneva")
    assert (await stack.gateway.get(path, headers=elsewhere)).status_code == 404
    # Another visitor, and the office, cannot use the visitor's side.
    for who in (stack.auth("visitor", sub="visitor-other"),):
        other = await stack.gateway.get(f"/v1/intake/requests/{reference}/messages", headers=who)
        assert other.status_code == 404
    office = await stack.gateway.get(
        f"/v1/intake/requests/{reference}/messages", headers=handler(stack)
    )
    assert office.status_code == 403
    # The chief's GraphQL sees no message either.
    chief = await stack.gateway.post(
        "/graphql",
        json={"query": f'{{ case(id: "{case_id}") {{ messages {{ body }} }} }}'},
        headers=stack.auth("chief", office=OFFICE),
    )
    assert chief.json()["data"]["case"]["messages"] is None
    assert SECRET not in chief.text


async def test_messages_are_destroyed_with_their_case(stack: Stack) -> None:
    visitor = stack.auth("visitor", sub="visitor-gone")
    reference, case_id = await _accepted(stack, visitor)
    me = handler(stack)
    await stack.gateway.post(
        f"/v1/intake/requests/{reference}/messages", json={"body": SECRET}, headers=visitor
    )
    closed = await stack.gateway.post(
        f"/v1/cases/{case_id}/status",
        json={"status": "closed", "closure_reason": "options_provided"},
        headers=me,
    )
    assert closed.status_code == 200, closed.text
    # A closed case takes no more messages, from either side.
    late = await stack.gateway.post(
        f"/v1/cases/{case_id}/messages", json={"body": REPLY}, headers=me
    )
    assert late.status_code == 409
    settings = state_of(stack.apps["cases"]).settings
    done = await runner.run_once(settings, dry_run=False, now=utcnow() + dt.timedelta(days=1200))
    assert done.destroyed == [case_id]
    assert await query(stack.database_urls["cases"], "SELECT * FROM case_message") == []
    gone = await stack.gateway.get(f"/v1/intake/requests/{reference}/messages", headers=visitor)
    assert gone.status_code in (404, 409), gone.text
    assert SECRET not in gone.text
