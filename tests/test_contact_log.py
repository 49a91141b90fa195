"""Issue 19 item 2: the contact log and time on case, through the running gateway.

A contact is date, medium, minutes and roles: no names and no free text are accepted, so
nothing of it needs sealing. The office reads the log (as it reads issues); only the
assigned ombudsman (a mediation's workers) write it. Each contact becomes a de-identified
event whose sums reach analytics' facts under the case's pseudonym and nothing else, and
the statistics built on them (contacts and hours per case and office, time to resolution)
match what was logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound

from analytics.facts.models import CaseFact, MediationFact
from cases.retention import runner
from ombuds_shared.db import utcnow
from ombuds_shared.dependencies import state_of
from ombuds_testing import TestDatabases, TestKeys

from .cases_helpers import OFFICE, assigned_case, events, handler, query
from .conftest import Stack
from .graphql_support import graphql_as, run
from .mediation_support import OFFICE as MEDIATION_OFFICE
from .mediation_support import Mediations, expect
from .pipeline import (
    analytics_rows,
    analytics_scalar,
    case_life,
    mediation_life,
    new_id,
    producer_behind_gateway,
)

TODAY = dt.datetime.now(dt.UTC).date()
LAST_YEAR = TODAY.year - 1


def contact(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "contacted_on": TODAY.isoformat(),
        "medium": "phone",
        "duration_minutes": 25,
        "participants": ["visitor", "ombudsman"],
    }
    return {**body, **changes}


async def _wait_for(stack: Stack, statement: Any, expected: Any) -> None:
    """Waits (bounded) until analytics answers `expected` to the statement."""
    found = None
    for _ in range(300):
        with contextlib.suppress(NoResultFound):  # the fact is not there yet
            found = await analytics_scalar(stack, statement)
        if found == expected:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"analytics answered {found!r}, not {expected!r}")


async def test_the_handler_logs_contacts_and_the_office_reads_the_time_on_the_case(
    stack: Stack,
) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    path = f"/v1/cases/{case_id}/contacts"
    first = expect(await stack.gateway.post(path, json=contact(), headers=me), 201)
    assert first["participants"] == ["ombudsman", "visitor"]
    expect(
        await stack.gateway.post(
            path,
            json=contact(medium="email", duration_minutes=0, participants=["manager"]),
            headers=me,
        ),
        201,
    )
    expect(
        await stack.gateway.post(
            path, json=contact(medium="in_person", duration_minutes=90), headers=me
        ),
        201,
    )
    chief = stack.auth("chief", sub="chief-nairobi", office=OFFICE)
    for reader in (me, handler(stack, "omb-colleague"), chief):
        log = expect(await stack.gateway.get(path, headers=reader), 200)
        assert log["contact_count"] == 3
        assert log["time_on_case_minutes"] == 25 + 0 + 90
        assert [c["medium"] for c in log["items"]] == ["phone", "email", "in_person"]
        assert set(log["items"][0]) == {
            "id", "contacted_on", "medium", "duration_minutes", "participants", "recorded_at",
        }  # fmt: skip


async def test_only_the_assigned_ombudsman_logs_and_only_the_office_reads(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    path = f"/v1/cases/{case_id}/contacts"
    colleague = handler(stack, "omb-colleague")
    elsewhere = handler(stack, "omb-geneva", office="geneva")
    assert (await stack.gateway.post(path, json=contact(), headers=colleague)).status_code == 403
    assert (await stack.gateway.post(path, json=contact(), headers=elsewhere)).status_code == 404
    assert (await stack.gateway.get(path, headers=elsewhere)).status_code == 404
    other_chief = stack.auth("chief", sub="chief-geneva", office="geneva")
    assert (await stack.gateway.get(path, headers=other_chief)).status_code == 404
    for role in ("visitor", "analyst", "auditor", "mediator", "registry", "hr_portal"):
        who = stack.auth(role, office=OFFICE)
        assert (await stack.gateway.get(path, headers=who)).status_code == 403, role
        assert (await stack.gateway.post(path, json=contact(), headers=who)).status_code == 403
    chief = stack.auth("chief", sub="chief-nairobi", office=OFFICE)
    assert (await stack.gateway.post(path, json=contact(), headers=chief)).status_code == 403
    log = expect(await stack.gateway.get(path, headers=handler(stack)), 200)
    assert log["contact_count"] == 0


async def test_a_contact_holds_codes_dates_and_minutes_and_nothing_else(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    path = f"/v1/cases/{case_id}/contacts"
    me = handler(stack)
    tomorrow_but_one = (TODAY + dt.timedelta(days=2)).isoformat()
    refused = {
        "contacted_on": contact(contacted_on=tomorrow_but_one),
        # Before the case opened (today): the log cannot predate its case.
        "contacted_on ": contact(contacted_on=(TODAY - dt.timedelta(days=3)).isoformat()),
        "duration_minutes": contact(duration_minutes=0),  # a call takes time
        "duration_minutes ": contact(duration_minutes=1441),
        "participants": contact(participants=["visitor", "visitor"]),
        "participants ": contact(participants=["Jonas Schmidt"]),  # roles, never names
        "participants  ": contact(participants=[]),
        "medium": contact(medium="carrier_pigeon"),
        # No free text: a summary belongs in the sealed notes, so the log refuses one.
        "summary": contact(summary="Talked about the manager's conduct."),
    }
    for field, body in refused.items():
        answer = await stack.gateway.post(path, json=body, headers=me)
        assert answer.status_code == 422, (field, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field.strip() in answer.text, (field, answer.text)
    log = expect(await stack.gateway.get(path, headers=me), 200)
    assert log["contact_count"] == 0


async def test_contacts_reach_analytics_as_sums_under_the_pseudonym_only(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    path = f"/v1/cases/{case_id}/contacts"
    for minutes, medium in ((30, "video"), (45, "phone")):
        body = contact(medium=medium, duration_minutes=minutes, participants=["visitor"])
        expect(await stack.gateway.post(path, json=body, headers=me), 201)
    logged = [payload for kind, payload in await events(stack, case_id)
              if kind == "case.contact_logged"]  # fmt: skip
    assert logged[0] == {
        "case_id": case_id, "contacted_on": TODAY.isoformat(), "medium": "video",
        "duration_minutes": 30, "participants": ["visitor"],
    }  # fmt: skip
    await _wait_for(stack, select(CaseFact.contact_minutes).where(CaseFact.contacts == 2), 75)
    found = await analytics_rows(stack, "SELECT contacts FROM case_fact WHERE contacts > 0")
    assert found == [(2,)]
    # Closing sends the days the case was open (a duration; dates stay months).
    closed = await stack.gateway.post(
        f"/v1/cases/{case_id}/status",
        json={"status": "closed", "closure_reason": "resolved"},
        headers=me,
    )
    assert closed.status_code == 200, closed.text
    await _wait_for(stack, select(CaseFact.days_open).where(CaseFact.contacts == 2), 0)
    # Nothing in analytics names the case: every table searched for its id.
    tables = [r[0] for r in await analytics_rows(stack, _TABLES[_dialect(stack)])]
    for table in tables:
        everything = f'SELECT * FROM "{table}"'  # noqa: S608 - the schema's own names
        for row in await analytics_rows(stack, everything):
            assert case_id not in " ".join(map(str, row)), table


_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
}


def _dialect(stack: Stack) -> str:
    return "postgresql" if stack.database_urls["analytics"].startswith("postgres") else "sqlite"


async def test_mediation_workers_log_contacts_and_analytics_counts_them(stack: Stack) -> None:
    desk = Mediations(stack)
    mediation_id = await desk.under_way()
    path = f"/v1/mediations/{mediation_id}/contacts"
    body = contact(medium="video", duration_minutes=60, participants=["other_party", "mediator"])
    expect(await stack.gateway.post(path, json=body, headers=desk.mediator), 201)
    expect(await stack.gateway.post(path, json=contact(), headers=desk.chief), 201)
    log = expect(await stack.gateway.get(path, headers=desk.chief), 200)
    assert (log["contact_count"], log["time_on_case_minutes"]) == (2, 85)
    elsewhere = stack.auth("mediator", sub="mediator-geneva", office="geneva")
    assert (await stack.gateway.get(path, headers=elsewhere)).status_code == 404
    ombudsman = stack.auth("ombudsman", office=MEDIATION_OFFICE)
    assert (await stack.gateway.get(path, headers=ombudsman)).status_code == 403
    early = contact(contacted_on=(TODAY - dt.timedelta(days=2)).isoformat())
    assert (await stack.gateway.post(path, json=early, headers=desk.mediator)).status_code == 422
    found = select(MediationFact.contact_minutes).where(MediationFact.contacts == 2)
    await _wait_for(stack, found, 85)
    expect(await desk.close(mediation_id, "not_settled"), 200)
    await _wait_for(
        stack, select(MediationFact.days_since_start).where(MediationFact.contacts == 2), 0
    )


async def test_statistics_per_year_match_what_was_logged(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Any
) -> None:
    # Last year's cases, delivered as the cases service delivers them (the open year is
    # not published): twenty in Nairobi with two contacts each (30 and 90 minutes), five
    # each closed after 10, 60, 150 and 300 days.
    year = LAST_YEAR
    async with producer_behind_gateway(
        "cases", stack, keys=keys, databases=databases, tmp_path=tmp_path
    ) as (_gateway, cases):
        for days in (10, 60, 150, 300) * 5:
            case_id = new_id()
            life = case_life(case_id, year=year)
            life[-1][2]["days_open"] = days
            day = dt.date(year, 3, 14).isoformat()
            for minutes in (30, 90):
                logged = {"case_id": case_id, "contacted_on": day, "medium": "in_person",
                          "duration_minutes": minutes, "participants": ["visitor"]}  # fmt: skip
                life.insert(1, ("case.contact_logged", case_id, logged))
            await cases.emit(life)
        await cases.drained()
    async with producer_behind_gateway(
        "mediation", stack, keys=keys, databases=databases, tmp_path=tmp_path
    ) as (_gateway, mediation):
        for days in (5, 15, 25, 35, 45):
            mediation_id = new_id()
            life = mediation_life(mediation_id, year=year)
            life[-1][2].update(days_open=days + 10, days_since_start=days)
            logged = {"mediation_id": mediation_id, "contacted_on": f"{year}-05-02",
                      "medium": "phone", "duration_minutes": 60,
                      "participants": ["mediator"]}  # fmt: skip
            life.insert(1, ("mediation.contact_logged", mediation_id, logged))
            await mediation.emit(life)
        await mediation.drained()
    analyst = stack.auth("analyst")

    async def row(name: str, **params: Any) -> dict[str, Any]:
        office_row = params.pop("row", "*")
        answer = expect(
            await stack.gateway.get(
                f"/v1/analytics/statistics/{name}",
                params={"from_year": year, "to_year": year, **params},
                headers=analyst,
            ),
            200,
        )
        found = [r for r in answer["rows"] if r.get("office", "*") == office_row]
        return {k: c.get("count", c.get("value")) for k, c in found[0]["cells"].items()}

    assert await row("contacts-per-case") == {
        "cases": 20, "contacts": 40, "contacts_per_case": 2.0, "hours": 40.0,
        "hours_per_case": 2.0,
    }  # fmt: skip
    assert (await row("mediation-contacts"))["hours_per_case"] == 1.0
    nairobi = await row("hours-per-office", row="nairobi")
    assert (nairobi["cases"], nairobi["hours"]) == (20, 40.0)
    assert (await row("hours-per-office"))["hours"] == 45.0  # every office: 40 + 5
    # Analytics holds each duration as the first day of its class (docs/events.md): 10, 60,
    # 150 and 300 days arrive as 7, 56, 147 and 294, and the median is a class (56), not the
    # mean of two (105); the shares are exact, the classes end at 30, 90 and 180 days.
    assert await row("time-to-resolution") == {
        "resolved": 20, "median_days": 56, "within_30_share": 25.0, "within_90_share": 50.0,
        "within_180_share": 75.0, "within_30": 5, "within_90": 10, "within_180": 15,
    }  # fmt: skip
    mediations = await row("mediation-time-to-resolution")
    # 15 to 55 days open arrive as 14, 21, 35, 42, 49; 5 to 45 since the start as 0, 14,
    # 21, 35, 42 (each the first day of its class).
    assert (mediations["median_days"], mediations["from_start_median_days"]) == (35, 21)
    # Three of five mediated within 30 days: a share resting on fewer than five is withheld.
    assert mediations["from_start_within_30_share"] is None
    # A slice reads the same protected cube: Nairobi alone is all of last year's cases.
    assert (await row("time-to-resolution", office="nairobi"))["resolved"] == 20


_LOG = """query ($id: ID!) { case(id: $id) { contacts { contactCount timeOnCaseMinutes
  items { id contactedOn medium durationMinutes participants } } } }"""
_LOG_CONTACT = """mutation ($id: ID!, $input: ContactInput!) {
  logCaseContact(caseId: $id, input: $input) { id medium durationMinutes participants } }"""


async def test_graphql_logs_and_reads_the_same_contacts_as_rest(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    expect(
        await stack.gateway.post(f"/v1/cases/{case_id}/contacts", json=contact(), headers=me),
        201,
    )
    contact_input = {"medium": "video", "durationMinutes": 40, "participants": ["manager"]}
    async with graphql_as(stack, "ombudsman", sub="omb-amani", office=OFFICE) as session:
        logged = await run(session, _LOG_CONTACT, {"id": case_id, "input": contact_input})
        assert logged["logCaseContact"]["participants"] == ["manager"]
        read = (await run(session, _LOG, {"id": case_id}))["case"]["contacts"]
        # No free text passes GraphQL either: the input type has no field for it.
        with pytest.raises(TransportQueryError):
            await run(session, _LOG_CONTACT, {"id": case_id, "input": {
                **contact_input, "summary": "What was said."}})  # fmt: skip
    rest = expect(await stack.gateway.get(f"/v1/cases/{case_id}/contacts", headers=me), 200)
    assert (read["contactCount"], read["timeOnCaseMinutes"]) == (2, 65)
    as_read = [(c["id"], c["medium"], c["durationMinutes"], c["participants"])
               for c in read["items"]]  # fmt: skip
    assert as_read == [
        (c["id"], c["medium"], c["duration_minutes"], c["participants"]) for c in rest["items"]
    ]
    async with graphql_as(stack, "chief", sub="chief-nairobi", office=OFFICE) as session:
        chief_view = (await run(session, _LOG, {"id": case_id}))["case"]["contacts"]
    assert chief_view == read
    async with graphql_as(stack, "ombudsman", sub="omb-colleague", office=OFFICE) as session:
        with pytest.raises(TransportQueryError) as refused:
            await run(session, _LOG_CONTACT, {"id": case_id, "input": contact_input})
    assert "FORBIDDEN" in str(refused.value)


async def test_the_contact_log_outlives_destruction_as_codes_and_takes_no_more_entries(
    stack: Stack,
) -> None:
    """Decided: a contact holds a date, codes and minutes only, like a service given, so
    retention keeps it (the office's workload stays countable); the content is in the
    notes, which are destroyed. A destroyed case takes no new contact."""
    case_id = await assigned_case(stack)
    me = handler(stack)
    path = f"/v1/cases/{case_id}/contacts"
    expect(await stack.gateway.post(path, json=contact(), headers=me), 201)
    closed = await stack.gateway.post(
        f"/v1/cases/{case_id}/status",
        json={"status": "closed", "closure_reason": "resolved"},
        headers=me,
    )
    assert closed.status_code == 200, closed.text
    later = utcnow() + dt.timedelta(days=3 * 366)
    done = await runner.run_once(state_of(stack.apps["cases"]).settings, dry_run=False, now=later)
    assert done.destroyed == [case_id]
    log = expect(await stack.gateway.get(path, headers=me), 200)
    assert (log["contact_count"], log["time_on_case_minutes"]) == (1, 25)
    (row,) = await query(stack.database_urls["cases"], "SELECT * FROM case_contact")
    assert set(row) == {"id", "case_id", "contacted_on", "medium", "duration_minutes",
                        "participants", "recorded_by", "recorded_at"}  # fmt: skip
    refused = await stack.gateway.post(path, json=contact(), headers=me)
    assert refused.status_code == 409, refused.text
