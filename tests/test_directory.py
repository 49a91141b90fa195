"""Offices and the staff roster, administered through the gateway (intake's directory).

Each change reaches cases, mediation and analytics through intake's directory outbox;
the tests watch it arrive through the services' own public routes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from gateway.dev_issuer import mint_dev_token
from gateway.state import gateway_state
from intake.state import intake_state
from ombuds.cli import main
from ombuds_shared.directory import OFFICE_PATH, STAFF_PATH
from ombuds_testing import actor, bearer

from .cases_helpers import query
from .conftest import Stack, intake_body

pytestmark = pytest.mark.asyncio

NEW = "lisbon"


def admin(stack: Stack) -> dict[str, str]:
    return stack.auth("administrator", sub="admin-ines")


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


async def eventually(
    attempt: Callable[[], Awaitable[httpx.Response]], status: int, *, tries: int = 200
) -> httpx.Response:
    """Repeats a call (bounded) until it answers `status`: the directory is eventually
    consistent across services."""
    response = await attempt()
    for _ in range(tries):
        if response.status_code == status:
            return response
        await asyncio.sleep(0.05)
        response = await attempt()
    raise AssertionError(f"still {response.status_code}: {response.text}")


async def open_office(stack: Stack, code: str = NEW, **changes: Any) -> dict[str, Any]:
    body = {"code": code, "name": "Regional branch, Lisbon", "city": "Lisbon"}
    body |= {"pillar": "secretariat", **changes}
    opened = await stack.gateway.post("/v1/offices", json=body, headers=admin(stack))
    assert opened.status_code == 201, opened.text
    return dict(opened.json())


def new_case(stack: Stack, office: str = NEW) -> Callable[[], Awaitable[httpx.Response]]:
    """Opening a walk-in case at `office` (cases refuses an office it does not have open)."""
    body = {"pillar": "secretariat", "location": "headquarters",
            "occupational_group": "general_service", "intake_channel": "in_person"}  # fmt: skip
    headers = stack.auth("ombudsman", sub="omb-lis-1", office=office)
    return lambda: stack.gateway.post("/v1/cases", json=body, headers=headers)


async def test_an_office_opened_through_the_api_reaches_every_service(stack: Stack) -> None:
    opened = await open_office(stack)
    assert opened["open"] is True
    assert opened["opened_on"] == today()
    # Intake takes requests for it at once ...
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(office=NEW), headers=stack.auth("visitor")
    )
    assert submitted.status_code == 201, submitted.text
    # ... cases opens cases there once the change arrives, and analytics counts them ...
    case = (await eventually(new_case(stack), 201)).json()
    assert case["office"] == NEW
    analyst = stack.auth("analyst")
    outreach = {"activity_type": "workshop", "held_on": today(), "office": NEW, "participants": 9}
    await eventually(
        lambda: stack.gateway.post("/v1/analytics/outreach", json=outreach, headers=analyst), 201
    )
    # ... and mediation opens mediations there.
    mediation = {
        "pillar": "secretariat", "office": NEW, "referral_source": "self_referral",
        "issue_codes": ["2.b"],
        "parties": [{"reference": "P-1", "represents_administration": False},
                    {"reference": "P-2", "represents_administration": True}],
    }  # fmt: skip
    mediator = stack.auth("mediator", sub="med-lis", office=NEW)
    await eventually(
        lambda: stack.gateway.post("/v1/mediations", json=mediation, headers=mediator), 201
    )
    # The case's events reached analytics through the gateway, none refused.
    async with httpx.AsyncClient(base_url=stack.urls["cases"]) as cases:
        for _ in range(200):
            backlog = (await cases.get("/v1/internal/outbox")).json()
            if backlog["pending"] == 0:
                break
            await asyncio.sleep(0.05)
    assert backlog == {**backlog, "pending": 0, "failing": 0}
    facts = await query(
        stack.database_urls["analytics"], "SELECT office FROM case_fact WHERE office = :o", o=NEW
    )
    assert facts == [{"office": NEW}]


async def test_a_closed_office_takes_no_new_request_and_keeps_its_history(stack: Stack) -> None:
    await open_office(stack)
    case = (await eventually(new_case(stack), 201)).json()
    closed = await stack.gateway.post(f"/v1/offices/{NEW}/close", json={}, headers=admin(stack))
    assert closed.status_code == 200, closed.text
    assert closed.json()["open"] is False
    assert closed.json()["closed_on"] == today()
    refused = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(office=NEW), headers=stack.auth("visitor")
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "office"
    await eventually(new_case(stack), 422)
    # Its history stays readable.
    read = await stack.gateway.get(
        f"/v1/cases/{case['id']}", headers=stack.auth("chief", office=NEW)
    )
    assert read.status_code == 200, read.text
    again = await stack.gateway.post(f"/v1/offices/{NEW}/close", json={}, headers=admin(stack))
    assert again.status_code == 409


async def test_renaming_and_moving_an_office_shows_in_the_reference_list(stack: Stack) -> None:
    visitor = stack.auth("visitor")
    first = await stack.gateway.get("/v1/reference/offices", headers=visitor)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "private, no-cache"
    etag = first.headers["etag"]
    unchanged = await stack.gateway.get(
        "/v1/reference/offices", headers={**visitor, "If-None-Match": etag}
    )
    assert unchanged.status_code == 304
    moved = await stack.gateway.patch(
        "/v1/offices/vienna",
        json={"name": "Regional branch, Budapest", "city": "Budapest", "pillar": "unhcr"},
        headers=admin(stack),
    )
    assert moved.status_code == 200, moved.text
    after = await stack.gateway.get(
        "/v1/reference/offices", headers={**visitor, "If-None-Match": etag}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    vienna = next(o for o in after.json()["items"] if o["code"] == "vienna")
    assert vienna == {**vienna, "name": "Regional branch, Budapest", "city": "Budapest",
                      "pillar": "unhcr", "open": True}  # fmt: skip

    async def copied() -> httpx.Response:
        rows = await query(
            stack.database_urls["analytics"], "SELECT city FROM office WHERE code = 'vienna'"
        )
        return httpx.Response(200 if rows == [{"city": "Budapest"}] else 409)

    await eventually(copied, 200)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"opened_on": "2999-01-01"}, 422, "opened_on"),
        ({"code": "geneva"}, 409, "code"),
        ({"code": "Not A Code"}, 422, None),
        ({"pillar": "nowhere"}, 422, None),
    ],
)
async def test_bad_offices_are_refused(
    stack: Stack, body: dict[str, Any], status: int, field: str | None
) -> None:
    full = {"code": NEW, "name": "N", "city": "C", "pillar": "secretariat", **body}
    answer = await stack.gateway.post("/v1/offices", json=full, headers=admin(stack))
    assert answer.status_code == status, answer.text
    if field:
        assert answer.json()["field"] == field


async def test_a_change_waits_for_a_service_that_is_away(stack: Stack) -> None:
    await stack.stop("cases")
    try:
        await open_office(stack)
        await asyncio.sleep(0.3)
    finally:
        await stack.start("cases")
    intake_state(stack.apps["intake"]).directory_relay.wake()
    await eventually(new_case(stack), 201, tries=600)


async def test_only_the_administrator_administers_the_directory(stack: Stack) -> None:
    body = {"code": NEW, "name": "N", "city": "C", "pillar": "secretariat"}
    for role in ("chief", "ombudsman", "analyst", "auditor"):
        answer = await stack.gateway.post(
            "/v1/offices", json=body, headers=stack.auth(role, office="geneva")
        )
        assert answer.status_code == 403, role
    # Every change is on intake's audit log, with its author.
    await open_office(stack)
    rows = await query(
        stack.database_urls["intake"],
        "SELECT action, record_type, context_id FROM audit_event WHERE action LIKE 'office.%'",
    )
    assert rows == [{"action": "office.open", "record_type": "office", "context_id": NEW}]


# The staff roster


async def add_staff(stack: Stack, subject: str, office: str, role: str) -> dict[str, Any]:
    body = {"subject": subject, "display_name": f"Name of {subject}", "office": office,
            "role": role}  # fmt: skip
    added = await stack.gateway.post("/v1/staff", json=body, headers=admin(stack))
    assert added.status_code == 201, added.text
    return dict(added.json())


async def test_assignment_takes_only_an_active_member_of_the_office(stack: Stack) -> None:
    await add_staff(stack, "omb-ana", "geneva", "ombudsman")
    await add_staff(stack, "med-geneva", "geneva", "mediator")
    chief = stack.auth("chief", sub="chief-geneva", office="geneva")
    case = (await eventually(new_case(stack, "geneva"), 201)).json()
    base = f"/v1/cases/{case['id']}"
    for subject in ("omb-ana", "omb-stranger", "med-geneva"):
        declared = await stack.gateway.post(
            f"{base}/conflict-declarations",
            json={"has_conflict": False},
            headers=stack.auth("ombudsman", sub=subject, office="geneva"),
        )
        assert declared.status_code == 201, declared.text

    async def assign(subject: str) -> httpx.Response:
        return await stack.gateway.post(
            f"{base}/assignment", json={"assignee": subject}, headers=chief
        )

    # Not on the roster, or a mediator: refused, naming the field (once the roster arrived).
    refused = await eventually(lambda: assign("omb-stranger"), 422)
    assert refused.json()["field"] == "assignee"
    assert (await assign("med-geneva")).status_code == 422
    assert (await assign("omb-ana")).status_code == 200
    # A departed member: no new assignment, and their open case waits for the chief.
    left = await stack.gateway.post("/v1/staff/omb-ana/deactivate", headers=admin(stack))
    assert left.status_code == 200
    assert left.json()["active"] is False

    async def listed() -> httpx.Response:
        return await stack.gateway.get("/v1/case-reassignments", headers=chief)

    async def reassignment_listed() -> httpx.Response:
        answer = await listed()
        ids = [item["case_id"] for item in answer.json()["items"]]
        return httpx.Response(200 if case["id"] in ids else 409)

    await eventually(reassignment_listed, 200)
    item = next(i for i in (await listed()).json()["items"] if i["case_id"] == case["id"])
    assert item["assigned_to"] == "omb-ana"
    # Another office's chief does not see it; an ombudsman may not ask.
    elsewhere = await stack.gateway.get(
        "/v1/case-reassignments", headers=stack.auth("chief", office="nairobi")
    )
    assert elsewhere.status_code == 200
    assert elsewhere.json()["items"] == []
    ombudsman = await stack.gateway.get(
        "/v1/case-reassignments", headers=stack.auth("ombudsman", office="geneva")
    )
    assert ombudsman.status_code == 403
    # The departed member cannot be assigned again.
    other = (await eventually(new_case(stack, "geneva"), 201)).json()
    await stack.gateway.post(
        f"/v1/cases/{other['id']}/conflict-declarations",
        json={"has_conflict": False},
        headers=stack.auth("ombudsman", sub="omb-ana", office="geneva"),
    )
    gone = await stack.gateway.post(
        f"/v1/cases/{other['id']}/assignment", json={"assignee": "omb-ana"}, headers=chief
    )
    assert gone.status_code == 422
    assert gone.json()["field"] == "assignee"


async def declared_mediation(stack: Stack, office: str, headers: dict[str, str]) -> str:
    """A mediation opened and accepted by `headers`' mediator, who declared no conflict; its
    path (the mediator is not assigned yet)."""
    body = {
        "pillar": "secretariat", "office": office, "referral_source": "self_referral",
        "issue_codes": ["2.b"],
        "parties": [{"reference": "P-1", "represents_administration": False},
                    {"reference": "P-2", "represents_administration": True}],
    }  # fmt: skip
    opened = await stack.gateway.post("/v1/mediations", json=body, headers=headers)
    assert opened.status_code == 201, opened.text
    base = f"/v1/mediations/{opened.json()['id']}"
    assert (await stack.gateway.post(f"{base}/accept", headers=headers)).status_code == 200
    declared = await stack.gateway.post(
        f"{base}/declarations", json={"has_conflict": False}, headers=headers
    )
    assert declared.status_code == 201, declared.text
    return base


async def test_a_mediator_is_assigned_only_from_the_roster(stack: Stack) -> None:
    office = "mediation-service"
    await add_staff(stack, "med-on-roster", office, "mediator")
    mediator = stack.auth("mediator", sub="med-off-roster", office=office)
    base = await declared_mediation(stack, office, mediator)
    refused = await eventually(
        lambda: stack.gateway.put(f"{base}/mediator", json={}, headers=mediator), 422
    )
    assert refused.json()["field"] == "mediator"
    on_roster = stack.auth("mediator", sub="med-on-roster", office=office)
    await stack.gateway.post(
        f"{base}/declarations", json={"has_conflict": False}, headers=on_roster
    )
    taken = await stack.gateway.put(f"{base}/mediator", json={}, headers=on_roster)
    assert taken.status_code == 200, taken.text
    # Once they leave, the mediation waits in the chief's list, for that office's chief only.
    left = await stack.gateway.post("/v1/staff/med-on-roster/deactivate", headers=admin(stack))
    assert left.status_code == 200
    chief = stack.auth("chief", sub="chief-ms", office=office)

    async def listed() -> httpx.Response:
        answer = await stack.gateway.get("/v1/mediation-reassignments", headers=chief)
        items = answer.json()["items"]
        return httpx.Response(200 if [i["mediator"] for i in items] == ["med-on-roster"] else 409)

    await eventually(listed, 200)
    elsewhere = await stack.gateway.get(
        "/v1/mediation-reassignments", headers=stack.auth("chief", office="geneva")
    )
    assert elsewhere.json()["items"] == []
    denied = await stack.gateway.get("/v1/mediation-reassignments", headers=on_roster)
    assert denied.status_code == 403


async def test_the_roster_is_read_by_the_administrator_and_by_a_chief_for_their_office(
    stack: Stack,
) -> None:
    await add_staff(stack, "omb-g", "geneva", "ombudsman")
    await add_staff(stack, "omb-n", "nairobi", "ombudsman")
    everyone = await stack.gateway.get("/v1/staff", headers=admin(stack))
    assert {m["subject"] for m in everyone.json()["items"]} == {"omb-g", "omb-n"}
    chief = stack.auth("chief", sub="chief-geneva", office="geneva")
    # A chief asking for another office still gets only their own.
    own = await stack.gateway.get("/v1/staff", params={"office": "nairobi"}, headers=chief)
    assert own.status_code == 200
    assert [(m["subject"], m["display_name"]) for m in own.json()["items"]] == [
        ("omb-g", "Name of omb-g")
    ]
    for role in ("ombudsman", "mediator", "analyst", "auditor", "visitor"):
        denied = await stack.gateway.get("/v1/staff", headers=stack.auth(role, office="geneva"))
        assert denied.status_code == 403, role
    # Reading display names is on record; the other services never get them.
    reads = await query(
        stack.database_urls["intake"],
        "SELECT count(*) AS n FROM audit_event WHERE action = 'staff.read'",
    )
    assert reads == [{"n": 2}]
    # In intake the names are sealed under each member's own data key, never plaintext.
    sealed = await query(stack.database_urls["intake"], "SELECT * FROM staff_member")
    assert len(sealed) == 2
    assert all(b"Name of" not in bytes(row["display_name_sealed"]) for row in sealed)
    assert all("Name of" not in str(value) for row in sealed for value in row.values())
    for service in ("cases", "mediation"):

        async def copied(service: str = service) -> httpx.Response:
            rows = await query(
                stack.database_urls[service], "SELECT * FROM staff_member ORDER BY subject"
            )
            return httpx.Response(200, json=rows) if len(rows) == 2 else httpx.Response(409)

        rows = (await eventually(copied, 200)).json()
        assert all("Name of" not in str(row) for row in rows)
        assert set(rows[0]) == {"subject", "office", "role", "active"}


async def test_a_roster_entry_needs_an_open_office_and_a_staff_role(stack: Stack) -> None:
    body = {"subject": "x-1", "display_name": "X", "office": "atlantis", "role": "ombudsman"}
    unknown = await stack.gateway.post("/v1/staff", json=body, headers=admin(stack))
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "office"
    analyst = await stack.gateway.post(
        "/v1/staff", json={**body, "office": "geneva", "role": "analyst"}, headers=admin(stack)
    )
    assert analyst.status_code == 422
    await add_staff(stack, "x-1", "geneva", "ombudsman")
    twice = await stack.gateway.post(
        "/v1/staff", json={**body, "office": "geneva"}, headers=admin(stack)
    )
    assert twice.status_code == 409
    missing = await stack.gateway.post("/v1/staff/nobody/deactivate", headers=admin(stack))
    assert missing.status_code == 404


async def test_the_cli_administers_offices_and_staff(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    token = stack.token("administrator", sub="admin-cli")

    async def ombuds(*args: str) -> int:
        argv = [*args, "--gateway", stack.public_url, "--token", token]
        return await asyncio.to_thread(main, argv)

    assert await ombuds("offices", "open", NEW, "--name", "Lisbon", "--city", "Lisbon",
                        "--pillar", "secretariat") == 0  # fmt: skip
    assert await ombuds("offices", "rename", NEW, "Regional branch, Lisbon") == 0
    assert await ombuds("offices", "move", NEW, "--city", "Porto") == 0
    assert await ombuds("staff", "add", "omb-porto", "--name", "Rui", "--office", NEW,
                        "--role", "ombudsman") == 0  # fmt: skip
    assert await ombuds("staff", "deactivate", "omb-porto") == 0
    capsys.readouterr()
    assert await ombuds("staff", "list", "--office", NEW) == 0
    assert "omb-porto" in capsys.readouterr().out
    assert await ombuds("offices", "close", NEW) == 0
    capsys.readouterr()
    assert await ombuds("offices", "list") == 0
    listed = capsys.readouterr().out
    line = next(row for row in listed.splitlines() if row.startswith(NEW))
    assert "Porto" in line
    assert "closed" in line
    assert "Regional branch, Lisbon" in line
    # A refusal is a message and exit 1, naming the field.
    assert await ombuds("staff", "add", "x", "--name", "X", "--office", NEW,
                        "--role", "ombudsman") == 1  # fmt: skip
    assert "(field office)" in capsys.readouterr().err


def signed_in(stack: Stack, sub: str, role: str, office: str, name: str) -> dict[str, str]:
    token = mint_dev_token(stack.settings, subject=sub, roles=[role], office=office, name=name)
    return {"Authorization": f"Bearer {token}"}


async def roster(stack: Stack) -> dict[str, dict[str, Any]]:
    listed = await stack.gateway.get("/v1/staff", headers=admin(stack))
    assert listed.status_code == 200, listed.text
    return {m["subject"]: m for m in listed.json()["items"]}


async def test_staff_join_the_roster_on_first_sign_in_only_when_configured(stack: Stack) -> None:
    amani = signed_in(stack, "omb-amani", "ombudsman", "geneva", "Amani Njeri")
    assert (await stack.gateway.get("/v1/cases", headers=amani)).status_code == 200
    assert await roster(stack) == {}  # off by default
    stack.settings.staff_from_claims = True
    try:
        assert (await stack.gateway.get("/v1/cases", headers=amani)).status_code == 200
        member = (await roster(stack))["omb-amani"]
        assert member == {**member, "display_name": "Amani Njeri", "office": "geneva",
                          "role": "ombudsman", "active": True}  # fmt: skip
        # A departed member signing in again stays departed; a new name changes nothing.
        left = await stack.gateway.post("/v1/staff/omb-amani/deactivate", headers=admin(stack))
        assert left.status_code == 200
        gateway_state(stack.gateway_app).staff_signed_in.clear()  # as a fresh gateway process would
        renamed = signed_in(stack, "omb-amani", "ombudsman", "geneva", "Someone Else")
        assert (await stack.gateway.get("/v1/cases", headers=renamed)).status_code == 200
        member = (await roster(stack))["omb-amani"]
        assert member == {**member, "display_name": "Amani Njeri", "active": False}
        # Through GraphQL too; roles that are not staff never join.
        med = signed_in(stack, "med-kofi", "mediator", "mediation-service", "Kofi A.")
        answer = await stack.gateway.post(
            "/graphql", json={"query": "{ offices { code } }"}, headers=med
        )
        assert answer.status_code == 200, answer.text
        analyst = signed_in(stack, "analyst-1", "analyst", "geneva", "An Analyst")
        await stack.gateway.get("/v1/analytics/statistics", headers=analyst)
        assert set(await roster(stack)) == {"omb-amani", "med-kofi"}
    finally:
        stack.settings.staff_from_claims = False
    entries = await query(
        stack.database_urls["intake"],
        "SELECT action FROM audit_event WHERE action = 'staff.sign_in' ORDER BY id",
    )
    assert entries == [{"action": "staff.sign_in"}] * 2


async def test_only_intake_writes_the_copies_and_its_token_opens_nothing_else(
    stack: Stack,
) -> None:
    office = {"code": "forged", "name": "Forged", "city": "Nowhere", "pillar": "unhcr",
              "opened_on": today()}  # fmt: skip
    staff = {"subject": "omb-forged", "office": "geneva", "role": "ombudsman", "active": True}
    for service in ("cases", "mediation", "analytics"):
        async with httpx.AsyncClient(base_url=stack.urls[service]) as client:
            # Another service, or a user through the gateway, cannot write a copy ...
            for token in (
                stack.keys.peer_token("cases" if service != "cases" else "mediation", service),
                stack.keys.user_token(service, actor("chief", office="geneva")),
            ):
                forged = await client.post(OFFICE_PATH, json=office, headers=bearer(token))
                assert forged.status_code in (401, 403), (service, forged.text)
            intake = bearer(stack.keys.peer_token("intake", service))
            if service != "analytics":
                forged = await client.post(STAFF_PATH, json=staff, headers=bearer(token))
                assert forged.status_code in (401, 403), (service, forged.text)
                continue
            # ... and intake's token opens analytics' office route only: not its event
            # ingestion (the gateway's event tokens only), nor its statistics.
            events = await client.post("/v1/internal/events", json={"events": []}, headers=intake)
            assert events.status_code in (401, 403), events.text
            statistics = await client.get("/v1/analytics/statistics", headers=intake)
            assert statistics.status_code in (401, 403), statistics.text
            assert (await client.post(STAFF_PATH, json=staff, headers=intake)).status_code == 404
    codes = await query(stack.database_urls["analytics"], "SELECT code FROM office")
    assert {"code": "forged"} not in codes
