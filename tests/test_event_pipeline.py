"""The pipeline end to end: outbox, relay, gateway projection, strict ingestion, dedup."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from analytics.events.models import IngestedEvent
from analytics.facts.models import CaseCount, CaseFact, CaseIssue, MediationFact
from ombuds_shared.dependencies import state_of
from ombuds_shared.reference import Role
from ombuds_shared.tokens import mint_event_token
from ombuds_testing import TestDatabases, TestKeys, actor, bearer

from .conftest import Stack
from .pipeline import (
    analytics_rows,
    analytics_scalar,
    case_life,
    count_of,
    mediation_life,
    new_id,
    producer,
    producer_behind_gateway,
)


async def test_nothing_is_lost_or_doubled_when_analytics_or_the_gateway_stops(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    async with producer_behind_gateway(
        "cases", stack, keys=keys, databases=databases, tmp_path=tmp_path
    ) as (gateway, cases):
        first = [new_id() for _ in range(3)]
        for case_id in first:
            await cases.emit(case_life(case_id))
        await cases.drained()

        await stack.stop("analytics")
        during_analytics_outage = [new_id() for _ in range(3)]
        for case_id in during_analytics_outage:
            await cases.emit(case_life(case_id, year=2024))
        for _ in range(200):  # bounded: the relay tries, fails and backs off
            if (await cases.backlog())["failing"] > 0:
                break
            await asyncio.sleep(0.02)
        assert (await cases.backlog())["pending"] == 3 * 8
        await stack.start("analytics")

        await gateway.stop()
        during_gateway_outage = [new_id() for _ in range(2)]
        for case_id in during_gateway_outage:
            await cases.emit(case_life(case_id, year=2023))
        await asyncio.sleep(0.2)
        assert (await cases.backlog())["pending"] >= 2 * 8
        await gateway.start()
        await cases.drained()

        # A relay that crashed after delivering but before recording it sends all again.
        await cases.redeliver_all()
        await cases.drained()

    total_cases = len(first) + len(during_analytics_outage) + len(during_gateway_outage)
    assert await analytics_scalar(stack, count_of(IngestedEvent)) == total_cases * 8
    assert await analytics_scalar(stack, count_of(CaseFact)) == total_cases
    assert await analytics_scalar(stack, count_of(CaseIssue)) == total_cases * 2
    opened = await analytics_rows(
        stack, "SELECT year, count FROM case_count WHERE dimension = 'opened' ORDER BY year"
    )
    assert opened == [(2023, 2), (2024, 3), (2025, 3)]
    closed = await analytics_scalar(
        stack, select(func.count()).where(CaseFact.status == "closed", CaseFact.closed_year > 0)
    )
    assert closed == total_cases
    category_sum = await analytics_scalar(
        stack, select(func.sum(CaseCount.count)).where(CaseCount.dimension == "category")
    )
    assert category_sum == total_cases * 2


async def test_order_per_case_holds_while_one_case_is_refused(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    async with producer_behind_gateway(
        "cases", stack, keys=keys, databases=databases, tmp_path=tmp_path
    ) as (_gateway, cases):
        stuck, fine = new_id(), new_id()
        # The opening of `stuck` carries a name where a code belongs: the gateway refuses it,
        # so the later events of that case must wait rather than overtake it.
        bad = case_life(stuck, office="Jonas Okafor")
        await cases.emit(bad[:1])
        await cases.emit(bad[1:] + case_life(fine))
        for _ in range(300):
            state = await cases.backlog()
            if state["pending"] == len(bad) and state["failing"] >= 1:
                break
            await asyncio.sleep(0.02)
        assert (await cases.backlog())["pending"] == len(bad)
        assert await analytics_scalar(stack, count_of(CaseFact)) == 1
        assert await analytics_scalar(stack, count_of(IngestedEvent)) == 8


async def test_mediation_events_reach_the_facts(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    async with producer_behind_gateway(
        "mediation", stack, keys=keys, databases=databases, tmp_path=tmp_path
    ) as (_gateway, mediation):
        await mediation.emit(mediation_life(new_id(), outcome="settled"))
        await mediation.emit(mediation_life(new_id(), outcome="not_settled")[:1])
        await mediation.drained()
    rows = await analytics_rows(
        stack, "SELECT outcome, sessions, extensions FROM mediation_fact ORDER BY outcome"
    )
    assert rows == [("open", 0, 0), ("settled", 1, 1)]
    assert await analytics_scalar(stack, count_of(MediationFact)) == 2


def _envelope(event_type: str, payload: dict[str, object], aggregate: str) -> dict[str, object]:
    return {
        "event_id": new_id(),
        "event_type": event_type,
        "aggregate_id": aggregate,
        "occurred_at": "2025-03-14T10:00:00+00:00",
        "payload": payload,
    }


async def test_the_gateway_ingress_admits_only_the_producers(stack: Stack) -> None:
    case_id = new_id()
    body = {"events": [_envelope(*case_life(case_id)[0][::2], case_id)]}
    refused = {
        "no token": {},
        "an external user token": stack.auth("chief"),
        "a user token minted by the gateway": bearer(
            stack.keys.user_token("gateway", actor("chief"))
        ),
        "intake's peer token": bearer(stack.keys.peer_token("intake", "gateway")),
        "analytics' peer token": bearer(stack.keys.peer_token("analytics", "gateway")),
        "cases' token for another audience": bearer(stack.keys.peer_token("cases", "intake")),
    }
    for name, headers in refused.items():
        response = await stack.internal.post("/internal/events", json=body, headers=headers)
        assert response.status_code in (401, 403), name
    # Cases may not speak for mediation.
    mediation_id = new_id()
    event = mediation_life(mediation_id)[0]
    answer = await stack.internal.post(
        "/internal/events",
        json={"events": [_envelope(event[0], event[2], mediation_id)]},
        headers=bearer(stack.keys.peer_token("cases", "gateway")),
    )
    assert answer.status_code == 200
    assert answer.json()["results"][0]["status"] == "refused"
    ok = await stack.internal.post(
        "/internal/events", json=body, headers=bearer(stack.keys.peer_token("cases", "gateway"))
    )
    assert ok.json()["results"][0]["status"] == "stored"


async def test_the_projection_keeps_only_the_allow_list(stack: Stack) -> None:
    case_id = new_id()
    opened = case_life(case_id)[0][2] | {
        "visitor_ref": "vis_canary", "notes": "Jonas said something", "name": "Jonas Okafor",
    }  # fmt: skip
    peer = bearer(stack.keys.peer_token("cases", "gateway"))
    response = await stack.internal.post(
        "/internal/events", json={"events": [_envelope("case.opened", opened, case_id)]},
        headers=peer,
    )  # fmt: skip
    assert response.json()["results"][0]["status"] == "stored"
    stored = await analytics_rows(
        stack, "SELECT case_key, opened_year, opened_month, office FROM case_fact"
    )
    assert len(stored) == 1
    key, year, month, office = stored[0]
    assert key != case_id
    assert case_id not in key
    assert len(key) == 32
    assert (year, month, office) == (2025, 3, "nairobi")
    everything = " ".join(str(v) for row in await analytics_rows(
        stack, "SELECT * FROM case_fact") for v in row)  # fmt: skip
    assert "canary" not in everything
    assert "Jonas" not in everything
    # The same case id always maps to the same pseudonym, so later events join up.
    issue = case_life(case_id)[1]
    again = await stack.internal.post(
        "/internal/events", json={"events": [_envelope(issue[0], issue[2], case_id)]},
        headers=peer,
    )  # fmt: skip
    assert again.json()["results"][0]["status"] == "stored"
    assert await analytics_rows(stack, "SELECT case_key FROM case_issue") == [(key,)]


@pytest.mark.parametrize(
    "change",
    [
        {"office": "Jonas Okafor"},
        {"opened_on": "last tuesday"},
        {"is_group": "yes"},
        {"participant_count": -1},
    ],
    ids=lambda c: next(iter(c)),
)
async def test_the_gateway_refuses_values_out_of_shape(
    stack: Stack, change: dict[str, object]
) -> None:
    case_id = new_id()
    payload = case_life(case_id)[0][2] | change
    response = await stack.internal.post(
        "/internal/events", json={"events": [_envelope("case.opened", payload, case_id)]},
        headers=bearer(stack.keys.peer_token("cases", "gateway")),
    )  # fmt: skip
    assert response.json()["results"][0]["status"] == "refused"
    assert await analytics_scalar(stack, count_of(CaseFact)) == 0


def _projected(payload: dict[str, object], event_type: str = "case.opened") -> dict[str, object]:
    return {"event_id": "a" * 32, "event_type": event_type, "payload": payload}


_GOOD_OPENED = {
    "case_key": "b" * 32, "opened_month": "2025-03", "pillar": "unhcr", "office": "geneva",
    "location": "headquarters", "occupational_group": "non_staff", "intake_channel": "visitor",
    "is_group": False, "participant_count": None,
}  # fmt: skip


async def test_analytics_ingestion_takes_only_the_gateways_event_token(stack: Stack) -> None:
    url = stack.urls["analytics"] + "/v1/internal/events"
    body = {"events": [_projected(_GOOD_OPENED)]}
    async with httpx.AsyncClient() as direct:
        for role in Role:
            # A user token the gateway minted, with any role and any subject.
            for sub in (f"{role.value}-1", "gateway:events"):
                token = stack.keys.user_token("analytics", actor(role.value, sub=sub))
                answer = await direct.post(url, json=body, headers=bearer(token))
                assert answer.status_code == 401, (role, sub)
        for peer in ("cases", "mediation", "intake"):
            token = stack.keys.peer_token(peer, "analytics")
            assert (await direct.post(url, json=body, headers=bearer(token))).status_code == 401
        wrong_audience = mint_event_token(stack.keys.keys["gateway"], audience="cases")
        assert (
            await direct.post(url, json=body, headers=bearer(wrong_audience))
        ).status_code == 401
        forged = mint_event_token(stack.keys.keys["cases"], audience="analytics")
        assert (await direct.post(url, json=body, headers=bearer(forged))).status_code == 401
        token = mint_event_token(stack.keys.keys["gateway"], audience="analytics")
        ok = await direct.post(url, json=body, headers=bearer(token))
        assert ok.json()["results"] == [{"event_id": "a" * 32, "status": "stored"}]
        again = await direct.post(url, json=body, headers=bearer(token))
        assert again.json()["results"] == [{"event_id": "a" * 32, "status": "duplicate"}]
        # The event token opens no user route.
        assert (await direct.get(stack.urls["analytics"] + "/v1/analytics/statistics/cases-opened",
                                 headers=bearer(token))).status_code in (401, 404)  # fmt: skip


@pytest.mark.parametrize(
    "event",
    [
        _projected(_GOOD_OPENED | {"comment": "free text"}),
        _projected(_GOOD_OPENED | {"office": "Jonas Okafor"}),
        _projected(_GOOD_OPENED | {"pillar": "not-a-pillar"}),
        _projected(_GOOD_OPENED | {"opened_month": "2025-03-14"}),
        _projected(_GOOD_OPENED | {"case_key": "0123-raw-case-id"}),
        _projected(_GOOD_OPENED | {"is_group": "false"}),
        _projected(_GOOD_OPENED, event_type="case.renamed"),
        {**_projected(_GOOD_OPENED), "aggregate_id": "x"},
        _projected({"case_key": "b" * 32, "issue_code": "2.z", "category": "2",
                    "taxonomy_version": "ioa-urc-2007-v2", "recorded_month": "2025-03"},
                   "case.issue_recorded"),
    ],
    ids=["extra field", "name as office", "unknown pillar", "a day, not a month", "raw id",
         "string flag", "unknown type", "extra envelope field", "unknown issue code"],
)  # fmt: skip
async def test_analytics_refuses_anything_off_schema(
    stack: Stack, event: dict[str, object]
) -> None:
    token = mint_event_token(stack.keys.keys["gateway"], audience="analytics")
    async with httpx.AsyncClient() as direct:
        answer = await direct.post(
            stack.urls["analytics"] + "/v1/internal/events",
            json={"events": [event]}, headers=bearer(token),
        )  # fmt: skip
    assert answer.status_code == 200
    assert answer.json()["results"][0]["status"] == "refused"
    assert await analytics_scalar(stack, count_of(IngestedEvent)) == 0


async def test_several_relays_on_one_outbox_keep_order_per_case(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    if not databases.on_postgres:
        pytest.skip("replicas share an outbox on PostgreSQL; SQLite is the one-instance setup")
    from ombuds_shared.outbox import OutboxRelay

    from .pipeline import ProducerOutbox

    received: list[tuple[str, str]] = []

    async def receiver(envelopes: list[dict[str, object]]) -> list[str]:
        await asyncio.sleep(0.01)  # a delivery takes a moment: the replicas overlap
        received.extend((str(e["aggregate_id"]), str(e["event_id"])) for e in envelopes)
        return [str(e["event_id"]) for e in envelopes]

    async with producer(
        "cases", keys=keys, databases=databases, tmp_path=tmp_path, gateway_url="http://127.0.0.1:9"
    ) as cases:
        await state_of(cases.app).outbox_relay.stop()  # this test runs its own replicas
        case_ids = [new_id() for _ in range(12)]
        for round_ in range(5):
            await cases.emit([("case.status_changed", c, {"round": round_}) for c in case_ids])
        replicas = [
            OutboxRelay(cases.sessions, ProducerOutbox, receiver, batch_size=7) for _ in range(3)
        ]
        for _ in range(100):
            delivered = await asyncio.gather(*(r.deliver_once() for r in replicas))
            if sum(delivered) == 0 and await cases.backlog_in_db() == 0:
                break
        assert await cases.backlog_in_db() == 0
    async with cases.sessions() as session:
        emitted = (
            await session.execute(
                select(ProducerOutbox.aggregate_id, ProducerOutbox.event_id).order_by(
                    ProducerOutbox.id
                )
            )
        ).all()
    assert sorted(received) == sorted(tuple(r) for r in emitted)  # each exactly once
    for case_id in case_ids:
        assert [e for a, e in received if a == case_id] == [e for a, e in emitted if a == case_id]


def test_pseudonyms_are_keyed_and_production_needs_a_key(tmp_path: Path) -> None:
    import base64
    import os

    from pydantic import ValidationError

    from gateway.config import GatewaySettings
    from gateway.events.pseudonym import Pseudonymizer, load_pseudonym_key

    case_id = new_id()
    one, other = Pseudonymizer(os.urandom(32)), Pseudonymizer(os.urandom(32))
    assert one("case", case_id) == one("case", case_id)
    assert one("case", case_id) != other("case", case_id)  # no key, no way to test a guess
    assert one("case", case_id) != one("mediation", case_id)
    development = GatewaySettings(environment="development", data_dir=tmp_path)
    assert load_pseudonym_key(development) == load_pseudonym_key(development)  # kept in a file
    with pytest.raises(ValidationError):
        GatewaySettings(environment="production", database_url="x", oidc_jwks_url="http://idp",
                        oidc_issuer="idp", private_bind="0.0.0.0:8010")  # fmt: skip
    key = base64.b64encode(os.urandom(32)).decode()
    configured = GatewaySettings(environment="production", database_url="x", oidc_jwks_url="http://idp",
                                 oidc_issuer="idp", pseudonym_key=key,
                                 private_bind="0.0.0.0:8010")  # fmt: skip
    assert len(load_pseudonym_key(configured)) == 32
