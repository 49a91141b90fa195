"""Dated workflow steps through the running gateway (issue 15 item 2): a date is never in
the future nor before the record's opening, and a 422 names the field that is wrong; the
referral's acceptance date, not the day of data entry, starts the tribunal's suspension."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from gql.transport.exceptions import TransportQueryError

from .cases_helpers import assigned_case, handler
from .conftest import Stack
from .graphql_support import graphql_as, run
from .mediation_support import OFFICE, Mediations, expect


def _day(offset: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=offset)).isoformat()


# Two days ahead is tomorrow even in the first time zone to reach a date (UTC+14).
FUTURE = _day(2)


def _refused(response: httpx.Response, *loc: str, kind: str) -> dict[str, Any]:
    """A 422 problem whose `errors` name the one body field at fault."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["errors"] == [
        {"loc": ["body", *loc], "msg": problem["errors"][0]["msg"], "type": kind}
    ]
    return problem


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


async def _referred_days_ago(med: Mediations, days: int) -> str:
    reference = {"tribunal": "dispute_tribunal", "case_number": f"UNDT/NY/2026/{days:03d}",
                 "referral_date": _day(-days)}  # fmt: skip
    return await med.open(tribunal=False, referral_source="dispute_tribunal",
                          tribunal_reference=reference)  # fmt: skip


async def test_the_acceptance_date_starts_the_tribunal_suspension(med: Mediations) -> None:
    mediation_id = await _referred_days_ago(med, 20)
    accepted = expect(await med.post(mediation_id, "accept", {"accepted_on": _day(-10)}), 200)
    assert (accepted["status"], accepted["accepted_on"]) == ("agreement_pending", _day(-10))
    ledger = expect(
        await med.gateway.get(f"/v1/mediations/{mediation_id}/deadlines", headers=med.mediator),
        200,
    )
    [suspension] = [c for c in ledger["clocks"] if c["kind"] == "tribunal_suspension"]
    # Thirty days from the acceptance ten days ago, not from today's data entry.
    assert (suspension["started_on"], suspension["due_on"]) == (_day(-10), _day(20))
    assert suspension["entries"][0]["on"] == _day(-10)


async def test_an_acceptance_without_a_date_is_today(med: Mediations) -> None:
    mediation_id = await med.open()
    accepted = expect(await med.post(mediation_id, "accept"), 200)
    assert accepted["accepted_on"] == _day(0)


async def test_an_acceptance_in_the_future_or_before_the_referral_is_refused(
    med: Mediations,
) -> None:
    mediation_id = await _referred_days_ago(med, 5)
    _refused(await med.post(mediation_id, "accept", {"accepted_on": FUTURE}),
             "accepted_on", kind="date_in_future")  # fmt: skip
    _refused(await med.post(mediation_id, "accept", {"accepted_on": _day(-6)}),
             "accepted_on", kind="date_too_early")  # fmt: skip
    # Without a tribunal's referral date, the floor is the day the mediation was opened.
    plain = await med.open(tribunal=False)
    _refused(await med.post(plain, "accept", {"accepted_on": _day(-3)}),
             "accepted_on", kind="date_too_early")  # fmt: skip
    assert (await med.get(mediation_id))["status"] == "referred"
    expect(await med.post(mediation_id, "accept", {"accepted_on": _day(-5)}), 200)


async def test_a_referral_dated_in_the_future_is_refused(med: Mediations) -> None:
    reference = {"tribunal": "dispute_tribunal", "case_number": "UNDT/NY/2026/900",
                 "referral_date": FUTURE}  # fmt: skip
    body = {"pillar": "secretariat", "office": OFFICE, "referral_source": "dispute_tribunal",
            "tribunal_reference": reference}  # fmt: skip
    answer = await med.gateway.post("/v1/mediations", json=body, headers=med.mediator)
    _refused(answer, "tribunal_reference", "referral_date", kind="date_in_future")


async def test_a_party_answers_after_the_acceptance_and_not_in_the_future(
    med: Mediations,
) -> None:
    mediation_id = await _referred_days_ago(med, 9)
    expect(await med.post(mediation_id, "accept", {"accepted_on": _day(-4)}), 200)
    party = (await med.get(mediation_id))["parties"][0]["id"]
    path = f"parties/{party}/agreement"
    _refused(await med.post(mediation_id, path, {"agrees": True, "on": _day(-5)}),
             "on", kind="date_too_early")  # fmt: skip
    _refused(await med.post(mediation_id, path, {"agrees": True, "on": FUTURE}),
             "on", kind="date_in_future")  # fmt: skip
    expect(await med.post(mediation_id, path, {"agrees": True, "on": _day(-4)}), 200)


async def test_start_and_closing_dates_are_checked(med: Mediations) -> None:
    mediation_id = await med.open()
    await med.accept(mediation_id)
    await med.agree_all(mediation_id)
    await med.assign_self(mediation_id)
    start = {"basis": "first_session", "mode": "remote"}
    _refused(await med.post(mediation_id, "start", {**start, "started_on": FUTURE}),
             "started_on", kind="date_in_future")  # fmt: skip
    _refused(await med.post(mediation_id, "start", {**start, "started_on": _day(-1)}),
             "started_on", kind="date_too_early")  # fmt: skip
    expect(await med.post(mediation_id, "start", {**start, "started_on": _day(0)}), 200)
    close = {"outcome": "not_settled"}
    _refused(await med.post(mediation_id, "close", {**close, "closed_on": FUTURE}),
             "closed_on", kind="date_in_future")  # fmt: skip
    _refused(await med.post(mediation_id, "close", {**close, "closed_on": _day(-1)}),
             "closed_on", kind="date_too_early")  # fmt: skip
    settled = {"outcome": "settled", "closed_on": _day(0), "settlement_signed_on": _day(-1)}
    _refused(await med.post(mediation_id, "close", settled),
             "settlement_signed_on", kind="date_out_of_range")  # fmt: skip
    expect(await med.post(mediation_id, "close", {**close, "closed_on": _day(0)}), 200)


async def test_a_mediation_never_started_closes_not_before_it_was_opened(med: Mediations) -> None:
    mediation_id = await med.open(tribunal=False)
    close = {"outcome": "withdrawn"}
    _refused(await med.post(mediation_id, "close", {**close, "closed_on": _day(-3)}),
             "closed_on", kind="date_too_early")  # fmt: skip
    expect(await med.post(mediation_id, "close", {**close, "closed_on": _day(0)}), 200)


async def test_ledger_dates_are_checked(med: Mediations) -> None:
    mediation_id = await _referred_days_ago(med, 12)
    expect(await med.post(mediation_id, "accept", {"accepted_on": _day(-8)}), 200)
    _refused(await med.post(mediation_id, "deadlines",
                            {"kind": "filing_period", "started_on": FUTURE, "period_days": 60}),
             "started_on", kind="date_in_future")  # fmt: skip
    # A filing period may have begun before the referral itself.
    expect(await med.post(mediation_id, "deadlines",
                          {"kind": "filing_period", "started_on": _day(-40), "period_days": 60}),
           201)  # fmt: skip
    _refused(await med.post(mediation_id, "extensions",
                            {"requested_on": _day(-9), "requested_days": 10}),
             "requested_on", kind="date_too_early")  # fmt: skip
    asked = {"requested_on": _day(-2), "requested_days": 10}
    extension = expect(await med.post(mediation_id, "extensions", asked), 201)
    decision = f"extensions/{extension['id']}/decision"
    _refused(await med.post(mediation_id, decision, {"granted": True, "decided_on": FUTURE}),
             "decided_on", kind="date_in_future")  # fmt: skip
    _refused(await med.post(mediation_id, decision, {"granted": True, "decided_on": _day(-3)}),
             "decided_on", kind="date_too_early")  # fmt: skip


async def test_graphql_accepts_on_a_date_and_names_a_wrong_one(
    med: Mediations, stack: Stack
) -> None:
    mediation_id = await _referred_days_ago(med, 7)
    accept = """mutation ($id: ID!, $on: Date) {
      acceptMediationReferral(mediationId: $id, acceptedOn: $on) { status acceptedOn } }"""
    async with graphql_as(stack, "mediator", sub=med.mediator_sub, office=OFFICE) as session:
        with pytest.raises(TransportQueryError) as refused:
            await run(session, accept, {"id": mediation_id, "on": FUTURE})
        problem = (refused.value.errors or [{}])[0]["extensions"]["problem"]
        assert problem["status"] == 422
        assert problem["errors"][0]["loc"] == ["body", "accepted_on"]
        data = await run(session, accept, {"id": mediation_id, "on": _day(-6)})
    assert data["acceptMediationReferral"] == {
        "status": "agreement_pending",
        "acceptedOn": _day(-6),
    }


@pytest.mark.parametrize(("route", "field", "body"), [
    ("services", "given_on", {"service": "coaching"}),
    ("referrals", "referred_on", {"formal_channel": "ethics_office"}),
])  # fmt: skip
async def test_a_case_step_is_dated_between_the_opening_and_today(
    stack: Stack, route: str, field: str, body: dict[str, str]
) -> None:
    case_id = await assigned_case(stack)
    path = f"/v1/cases/{case_id}/{route}"
    me = handler(stack)
    _refused(await stack.gateway.post(path, json={**body, field: FUTURE}, headers=me),
             field, kind="date_in_future")  # fmt: skip
    # The case was opened today: a date years before it is refused.
    _refused(await stack.gateway.post(path, json={**body, field: "2016-03-01"}, headers=me),
             field, kind="date_too_early")  # fmt: skip
    recorded = expect(
        await stack.gateway.post(path, json={**body, field: _day(0)}, headers=me), 201
    )
    assert recorded[field] == _day(0)


async def test_graphql_names_a_referral_dated_before_the_case(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    refer = """mutation ($id: ID!, $on: Date) {
      referCase(caseId: $id, formalChannel: "ethics_office", referredOn: $on) { id } }"""
    async with graphql_as(stack, "ombudsman", sub="omb-amani", office="nairobi") as session:
        with pytest.raises(TransportQueryError) as refused:
            await run(session, refer, {"id": case_id, "on": "2016-03-01"})
    problem = (refused.value.errors or [{}])[0]["extensions"]["problem"]
    assert problem["errors"][0]["loc"] == ["body", "referred_on"]
