"""Signed webhooks, through the running gateway and a receiver on loopback.

The receiver verifies every delivery with the Standard Webhooks reference library
(`standardwebhooks.Webhook.verify`), exactly as an integrator's would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from prometheus_client import REGISTRY
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mediation.config import MediationSettings
from mediation.state import mediation_state
from mediation.webhook.delivery import scan_deadlines
from mediation.webhook.models import WebhookSubscription
from mediation.webhook.service import prune_delivery_log, rotate
from ombuds.cli import main
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.errors import Conflict
from ombuds_shared.outbox import WEBHOOK_INGRESS_PATH
from ombuds_testing import (
    TestDatabases,
    TestKeys,
    bearer,
    environment,
    free_port,
    serve_app,
)

from .cases_helpers import assigned_case
from .conftest import Stack, intake_body, running_stack
from .mediation_support import Mediations, expect, today

# Loopback is refused unless the configuration allow-lists it: these tests allow-list it.
LOOPBACK = json.dumps(["127.0.0.1/32", "::1/128"])
FAST_RETRIES = {
    "OMBUDS_MEDIATION_WEBHOOK_MAX_ATTEMPTS": "3",
    "OMBUDS_MEDIATION_WEBHOOK_BACKOFF_SECONDS": "0.05",
    "OMBUDS_MEDIATION_WEBHOOK_MAX_BACKOFF_SECONDS": "0.2",
    "OMBUDS_MEDIATION_WEBHOOK_POLL_SECONDS": "0.05",
    "OMBUDS_MEDIATION_WEBHOOK_TIMEOUT_SECONDS": "2",
    "OMBUDS_MEDIATION_WEBHOOK_DEADLINE_LEAD_DAYS": "40",
    # The scan is driven by the tests (scan_deadlines); the background one waits.
    "OMBUDS_MEDIATION_WEBHOOK_DEADLINE_SCAN_SECONDS": "3600",
}
DOCS = Path(__file__).resolve().parents[1] / "docs"
VERIFYING_GUIDES = [
    DOCS / f"{name}.md"
    for name in ("webhooks", "registry-guide", "hr-portal-guide", "frontend-guide")
]
# Strings that must never reach a receiver: a party's reference and a note's content.
CANARY_PARTY = "P-CANARY-Okafor-771204"
CANARY_NOTE = "CANARY note: jonas.okafor@example.org said"


@dataclass
class Receiver:
    """An integrator's endpoint: records each request it gets, verified or not."""

    port: int = field(default_factory=free_port)
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    _server: contextlib.AsyncExitStack | None = None

    @property
    def url(self) -> str:
        return self.url_for("ombuds")

    def url_for(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks/{name}")
        async def hook(name: str, request: Request) -> Response:
            self.received.append((await request.body(), dict(request.headers)))
            self.paths.append(name)
            return Response(status_code=204)

        return app

    async def up(self) -> None:
        self._server = contextlib.AsyncExitStack()
        await self._server.enter_async_context(serve_app(self.app(), self.port))

    async def down(self) -> None:
        if self._server is not None:
            await self._server.aclose()
            self._server = None

    def verified(self, secret: str, name: str = "ombuds") -> list[dict[str, Any]]:
        """Every body received at `name`, each verified with `secret` (raises if one fails)."""
        return [
            Webhook(secret).verify(body, headers)
            for (body, headers), path in zip(self.received, self.paths, strict=True)
            if path == name
        ]


@pytest.fixture
async def stack(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> AsyncIterator[Stack]:
    with environment(OMBUDS_MEDIATION_WEBHOOK_ALLOWED_NETWORKS=LOOPBACK, **FAST_RETRIES):
        async with running_stack(keys, databases, master_keys, tmp_path) as running:
            yield running


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    await receiver.up()
    try:
        yield receiver
    finally:
        await receiver.down()


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


def admin(stack: Stack) -> dict[str, str]:
    return stack.auth("administrator", sub="admin-ines")


async def subscribe(
    stack: Stack, url: str, *, kind: str = "tribunal", code: str = "dispute_tribunal", **body: Any
) -> dict[str, Any]:
    events = body.pop("event_types", None) or (
        ["certificate.issued", "certificate.revoked"]
        if kind == "tribunal"
        else ["deadline.approaching", "deadline.passed"]
    )
    payload = {
        "integrator": "UNDT case management",
        "url": url,
        "event_types": events,
        "scope": {"kind": kind, "code": code},
        **body,
    }
    return expect(
        await stack.gateway.post("/v1/webhooks/subscriptions", json=payload, headers=admin(stack)),
        201,
    )


async def deliveries(stack: Stack, subscription_id: str, **params: str) -> list[dict[str, Any]]:
    page = expect(
        await stack.gateway.get(
            f"/v1/webhooks/subscriptions/{subscription_id}/deliveries",
            params=params,
            headers=admin(stack),
        ),
        200,
    )
    return page["items"]  # type: ignore[no-any-return]


async def until(
    stack: Stack, subscription_id: str, status: str, count: int = 1
) -> list[dict[str, Any]]:
    """The subscription's deliveries once `count` of them have `status` (bounded wait)."""
    for _ in range(200):
        found = await deliveries(stack, subscription_id, status=status)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {status} delivery: {await deliveries(stack, subscription_id)}")


def counter(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "ombuds_webhook_deliveries_total", {"service": "mediation", "outcome": outcome}
    )
    return value or 0.0


async def certified_mediation(med: Mediations) -> tuple[str, dict[str, Any]]:
    """A tribunal mediation under way (a party's reference is a canary, and a note too),
    with a certificate issued."""
    body = {
        "pillar": "secretariat",
        "office": "mediation-service",
        "referral_source": "dispute_tribunal",
        "issue_codes": ["2.b"],
        "parties": [
            {"reference": CANARY_PARTY, "represents_administration": False},
            {"reference": "P-2", "represents_administration": True},
        ],
        "tribunal_reference": {
            "tribunal": "dispute_tribunal",
            "case_number": f"UNDT/NY/2026/{uuid.uuid4().int % 900 + 100}",
            "referral_date": today(),
        },
    }
    created = expect(await med.gateway.post("/v1/mediations", json=body, headers=med.mediator), 201)
    mediation_id = str(created["id"])
    await med.accept(mediation_id)
    await med.agree_all(mediation_id)
    await med.assign_self(mediation_id)
    expect(await med.start(mediation_id), 200)
    expect(await med.post(mediation_id, "notes", {"body": CANARY_NOTE}), 201)
    return mediation_id, await med.issue(mediation_id)


def assert_no_canary(receiver: Receiver) -> None:
    for body, headers in receiver.received:
        text = body.decode() + json.dumps(headers)
        for canary in (CANARY_PARTY, CANARY_NOTE, "Okafor", "771204", "example.org"):
            assert canary not in text


async def test_a_receiver_that_is_down_gets_retries_then_a_dead_letter_then_the_replay(
    stack: Stack, med: Mediations, receiver: Receiver
) -> None:
    await receiver.down()
    subscription = await subscribe(stack, receiver.url)
    secret = subscription["secret"]
    assert secret.startswith("whsec_")
    dead_before, failed_before = counter("dead_letter"), counter("failed")

    mediation_id, certificate = await certified_mediation(med)

    [dead] = await until(stack, subscription["id"], "dead")
    assert (dead["event_type"], dead["attempts"]) == ("certificate.issued", 3)
    assert dead["last_error"]
    assert dead["delivered_at"] is None
    assert counter("dead_letter") == dead_before + 1
    assert counter("failed") == failed_before + 2
    assert receiver.received == []

    # The receiver is back: the administrator replays the dead letter.
    await receiver.up()
    replayed = expect(
        await stack.gateway.post(
            f"/v1/webhooks/deliveries/{dead['id']}/replay", headers=admin(stack)
        ),
        200,
    )
    assert (replayed["status"], replayed["attempts"]) == ("pending", 0)
    [delivered] = await until(stack, subscription["id"], "delivered")
    assert delivered["id"] == dead["id"]
    assert delivered["last_error"] is None
    [message] = receiver.verified(secret)
    assert message["type"] == "certificate.issued"
    assert message["data"] == {
        "certificate_id": certificate["id"],
        "tribunal": "dispute_tribunal",
        "tribunal_case_number": certificate["tribunal_case_number"],
        "start_date": today(),
        "end_date": None,
        "issued_at": message["data"]["issued_at"],
    }
    [(_, headers)] = receiver.received
    assert headers["webhook-id"] == dead["id"]
    # Another secret does not verify it: the signature is real.
    with pytest.raises(WebhookVerificationError):
        receiver.verified("whsec_" + "A" * 43 + "=")
    assert mediation_id not in receiver.received[0][0].decode()
    assert_no_canary(receiver)
    # The log holds no payload and no secret.
    listed = json.dumps(await deliveries(stack, subscription["id"]))
    assert secret not in listed
    assert "payload" not in listed


async def test_a_rotation_signs_with_both_secrets_during_the_overlap(
    stack: Stack, med: Mediations, receiver: Receiver
) -> None:
    subscription = await subscribe(stack, receiver.url)
    old = subscription["secret"]
    rotated = expect(
        await stack.gateway.post(
            f"/v1/webhooks/subscriptions/{subscription['id']}/rotate",
            json={"overlap_hours": 1},
            headers=admin(stack),
        ),
        200,
    )
    new = rotated["secret"]
    assert new != old
    assert new.startswith("whsec_")
    # No third secret while two are valid.
    third = await stack.gateway.post(
        f"/v1/webhooks/subscriptions/{subscription['id']}/rotate", json={}, headers=admin(stack)
    )
    assert third.status_code == 409, third.text

    _, certificate = await certified_mediation(med)
    expect(
        await stack.gateway.post(
            f"/v1/certificates/{certificate['id']}/revoke",
            json={"reason": "issued_in_error"},
            headers=med.chief,
        ),
        200,
    )
    await until(stack, subscription["id"], "delivered", count=2)
    # Either secret verifies each delivery: receivers switch over in their own time.
    by_old, by_new = receiver.verified(old), receiver.verified(new)
    assert by_old == by_new
    assert [m["type"] for m in by_new] == ["certificate.issued", "certificate.revoked"]
    assert by_new[1]["data"]["certificate_id"] == certificate["id"]
    for _, headers in receiver.received:
        assert len(headers["webhook-signature"].split(" ")) == 2
    # The subscription's reading shows the overlap and never a secret.
    read = expect(
        await stack.gateway.get(
            f"/v1/webhooks/subscriptions/{subscription['id']}", headers=admin(stack)
        ),
        200,
    )
    assert read["previous_secret_valid_until"] is not None
    assert old not in json.dumps(read)
    assert new not in json.dumps(read)
    assert_no_canary(receiver)
    # The verification snippet of each guide verifies these real deliveries as written
    # (the secret is the one thing to fill in), and refuses a tampered one.
    body, headers = receiver.received[0]
    for guide in VERIFYING_GUIDES:
        [snippet] = re.findall(r"```python webhook-verify\n(.*?)```", guide.read_text(), re.DOTALL)
        namespace: dict[str, Any] = {}
        code = compile(snippet.replace('"whsec_..."', repr(new)), str(guide), "exec")
        exec(code, namespace)  # noqa: S102 - our own doc
        assert namespace["handle"](body, headers)["type"] == "certificate.issued"
        with pytest.raises(PermissionError):
            namespace["handle"](body.replace(b"certificate", b"Certificate"), headers)
    # A secret leaked: a rotation with no overlap retires both earlier secrets at once, even
    # during the overlap; a replayed delivery is signed by the newest secret alone.
    emergency = expect(
        await stack.gateway.post(
            f"/v1/webhooks/subscriptions/{subscription['id']}/rotate",
            json={"overlap_hours": 0},
            headers=admin(stack),
        ),
        200,
    )
    assert emergency["previous_secret_valid_until"] is None
    first = (await deliveries(stack, subscription["id"]))[-1]
    expect(
        await stack.gateway.post(
            f"/v1/webhooks/deliveries/{first['id']}/replay", headers=admin(stack)
        ),
        200,
    )
    for _ in range(200):  # bounded wait for the replay to arrive
        if len(receiver.received) == 3:
            break
        await asyncio.sleep(0.05)
    body, headers = receiver.received[2]
    assert len(headers["webhook-signature"].split(" ")) == 1
    assert Webhook(emergency["secret"]).verify(body, headers)["type"] == "certificate.issued"
    for retired in (old, new):
        with pytest.raises(WebhookVerificationError):
            Webhook(retired).verify(body, headers)


async def test_a_subscription_hears_only_its_own_tribunal_or_office(
    stack: Stack, med: Mediations, receiver: Receiver
) -> None:
    other = Receiver()
    await other.up()
    try:
        ours = await subscribe(stack, receiver.url)
        desk = await subscribe(
            stack, receiver.url_for("desk"), kind="office", code="mediation-service"
        )
        elsewhere = [
            await subscribe(stack, other.url, code="appeals_tribunal"),
            await subscribe(stack, other.url, kind="office", code="geneva"),
        ]
        # A tribunal-referred mediation accepted 35 days ago: its suspension ran out 5 days
        # ago; one accepted today runs out within the lead time (40 days in these tests).
        past = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=35)).isoformat()
        passed = await med.open(
            tribunal_reference={
                "tribunal": "dispute_tribunal",
                "case_number": "UNDT/NY/2026/101",
                "referral_date": past,
            }
        )
        expect(await med.post(passed, "accept", {"accepted_on": past}), 200)
        approaching = await med.open(case_number="UNDT/NY/2026/102")
        await med.accept(approaching)
        await certified_mediation(med)
        mediation_app = stack.apps["mediation"]
        # (the certified mediation's own suspension runs out within the lead time too)
        raised = await scan_deadlines(mediation_app)
        assert raised == 3
        assert await scan_deadlines(mediation_app) == 0  # each is announced once

        await until(stack, ours["id"], "delivered")
        await until(stack, desk["id"], "delivered", count=raised)
        verified = receiver.verified(desk["secret"], "desk") + receiver.verified(ours["secret"])
        kinds = sorted((m["type"], m["data"].get("mediation_id")) for m in verified)
        assert ("deadline.passed", passed) in kinds
        assert (
            "deadline.approaching",
            approaching,
        ) in kinds
        for message in verified:
            if message["type"].startswith("deadline."):
                assert set(message["data"]) == {"mediation_id", "clock_id", "clock_kind", "due_on"}
        await asyncio.sleep(0.3)  # time for a wrong delivery to arrive, were there one
        for subscription in elsewhere:
            assert await deliveries(stack, subscription["id"]) == []
        assert other.received == []
    finally:
        await other.down()


async def test_private_and_loopback_destinations_are_refused_unless_allow_listed(
    keys: TestKeys, databases: TestDatabases, master_keys: str, tmp_path: Path
) -> None:
    # No allow-list: the default.
    async with running_stack(keys, databases, master_keys, tmp_path) as stack:
        for url in (
            "http://127.0.0.1:9/hook",
            "http://[::1]:9/hook",
            "http://10.1.2.3/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:9/hook",
            "http://[::ffff:127.0.0.1]:9/hook",
            # IPv6 forms that reach IPv4 networks: NAT64, 6to4, Teredo, IPv4-compatible.
            "http://[64:ff9b::a00:5]:6379/hook",
            "http://[2002:a00:5::1]/hook",
            "http://[2001:0:a00:5::1]/hook",
            "http://[::a00:5]/hook",
            "ftp://example.org/hook",
            "https://user:pw@example.org/hook",
        ):
            answer = await stack.gateway.post(
                "/v1/webhooks/subscriptions",
                json={
                    "integrator": "x",
                    "url": url,
                    "event_types": ["certificate.issued"],
                    "scope": {"kind": "tribunal", "code": "dispute_tribunal"},
                },
                headers=admin(stack),
            )
            assert answer.status_code == 422, (url, answer.text)
            assert answer.json()["field"] == "url" or "url" in answer.text


async def test_the_destination_is_checked_again_at_delivery(
    stack: Stack, med: Mediations, receiver: Receiver
) -> None:
    subscription = await subscribe(stack, receiver.url)
    # The configuration no longer allows loopback (as if the name now resolved inward).
    mediation_state(stack.apps["mediation"]).webhook_dispatcher.allowed = ()
    await certified_mediation(med)
    [dead] = await until(stack, subscription["id"], "dead")
    assert dead["last_error"].startswith("destination refused")
    assert receiver.received == []


async def test_an_office_subscription_takes_only_office_events_and_removal_ends_it(
    stack: Stack, receiver: Receiver
) -> None:
    answer = await stack.gateway.post(
        "/v1/webhooks/subscriptions",
        json={
            "integrator": "x",
            "url": receiver.url,
            "event_types": ["certificate.issued"],
            "scope": {"kind": "office", "code": "nairobi"},
        },
        headers=admin(stack),
    )
    assert answer.status_code == 422
    assert "certificate.issued" in answer.text
    subscription = await subscribe(stack, receiver.url)
    listed = expect(
        await stack.gateway.get("/v1/webhooks/subscriptions", headers=admin(stack)), 200
    )
    assert [s["id"] for s in listed["items"]] == [subscription["id"]]
    assert "secret" not in listed["items"][0]
    gone = await stack.gateway.delete(
        f"/v1/webhooks/subscriptions/{subscription['id']}", headers=admin(stack)
    )
    assert gone.status_code == 204, gone.text
    missing = await stack.gateway.get(
        f"/v1/webhooks/subscriptions/{subscription['id']}", headers=admin(stack)
    )
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["chief", "mediator", "registry", "ombudsman", "auditor"])
async def test_only_the_administrator_manages_subscriptions(stack: Stack, role: str) -> None:
    headers = stack.auth(role, office="mediation-service")
    for method, path in (
        ("GET", "/v1/webhooks/subscriptions"),
        ("POST", "/v1/webhooks/subscriptions"),
    ):
        answer = await stack.gateway.request(method, path, json={}, headers=headers)
        assert answer.status_code == 403, answer.text


async def test_the_cli_administers_subscriptions(
    stack: Stack, med: Mediations, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    token = stack.token("administrator", sub="admin-cli")

    async def ombuds(*args: str) -> tuple[int, str, str]:
        argv = ["webhooks", *args, "--gateway", stack.public_url, "--token", token]
        code = await asyncio.to_thread(main, argv)
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = await ombuds(
        "add", receiver.url, "--integrator", "UNDT", "--tribunal", "dispute_tribunal",
        "--event", "certificate.issued", "--event", "certificate.revoked",
    )  # fmt: skip
    assert code == 0
    secret = out.rsplit("secret (shown once, keep it with the receiver): ", 1)[1].strip()
    subscription_id = json.loads(out.rsplit("secret (shown once", 1)[0])["id"]
    code, out, _ = await ombuds("list")
    assert code == 0
    assert subscription_id in out
    assert secret not in out
    await certified_mediation(med)
    [delivered] = await until(stack, subscription_id, "delivered")
    assert len(receiver.verified(secret)) == 1
    code, out, _ = await ombuds("deliveries", subscription_id, "--status", "delivered")
    assert code == 0
    assert delivered["id"] in out
    # A replay sends it again, with the same webhook-id (receivers deduplicate by it).
    code, out, _ = await ombuds("replay", delivered["id"])
    assert code == 0
    for _ in range(200):
        if len(receiver.received) == 2:
            break
        await asyncio.sleep(0.05)
    assert [h["webhook-id"] for _, h in receiver.received] == [delivered["id"]] * 2
    code, out, _ = await ombuds("rotate", subscription_id, "--overlap-hours", "0")
    assert code == 0
    assert "secret (shown once" in out
    code, out, err = await ombuds("remove", subscription_id)
    assert code == 0
    code, out, err = await ombuds("deliveries", subscription_id)
    assert code == 1
    assert "404" in err
    # A refused destination is one line naming the field, and exit 1.
    code, out, err = await ombuds(
        "add", "http://10.0.0.1/hook", "--integrator", "x", "--office", "nairobi",
        "--event", "case.assigned",
    )  # fmt: skip
    assert code == 1
    assert "(field url)" in err


async def test_a_case_assignment_reaches_its_office_desk_only(
    stack: Stack, receiver: Receiver
) -> None:
    desk = await subscribe(
        stack, receiver.url_for("nairobi"), kind="office", code="nairobi",
        event_types=["case.assigned"],
    )  # fmt: skip
    other = await subscribe(
        stack, receiver.url_for("geneva"), kind="office", code="geneva",
        event_types=["case.assigned"],
    )  # fmt: skip
    case_id = await assigned_case(stack)
    await until(stack, desk["id"], "delivered")
    [message] = receiver.verified(desk["secret"], "nairobi")
    assert message["type"] == "case.assigned"
    assert message["data"] == {"case_id": case_id, "office": "nairobi", "assigned_on": today()}
    await asyncio.sleep(0.3)  # time for a wrong delivery to arrive, were there one
    assert await deliveries(stack, other["id"]) == []
    assert "geneva" not in receiver.paths
    # The visitor's identity (intake_body's) and the handler's subject never reach it.
    text = receiver.received[0][0].decode()
    for canary in ("Jonas", "Okafor", "771204", "example.org", "omb-amani"):
        assert canary not in text


async def test_only_cases_delivers_webhook_events_and_only_strict_ones(stack: Stack) -> None:
    envelope = {
        "event_id": str(uuid.uuid4()), "event_type": "case.assigned",
        "aggregate_id": str(uuid.uuid4()), "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "payload": {"case_id": str(uuid.uuid4()), "office": "nairobi", "assigned_on": today(),
                    "visitor_name": "Jonas Okafor"},
    }  # fmt: skip
    url = f"{stack.urls['mediation']}{WEBHOOK_INGRESS_PATH}"
    async with httpx.AsyncClient() as client:
        for peer in ("analytics",):
            token = stack.keys.peer_token(peer, "mediation")
            answer = await client.post(url, json={"events": [envelope]}, headers=bearer(token))
            assert answer.status_code in (401, 403), answer.text
        token = stack.keys.peer_token("cases", "mediation")
        answer = await client.post(url, json={"events": [envelope]}, headers=bearer(token))
        assert answer.status_code == 200, answer.text
        assert answer.json()["results"][0]["status"] == "refused"  # an unknown field refuses it
        # intake may not claim a case's assignment (nor cases a request's arrival)
        envelope["payload"].pop("visitor_name")
        token = stack.keys.peer_token("intake", "mediation")
        answer = await client.post(url, json={"events": [envelope]}, headers=bearer(token))
        assert answer.json()["results"][0]["status"] == "refused"


async def test_a_request_received_reaches_its_office_desk_without_the_visitor(
    stack: Stack, receiver: Receiver
) -> None:
    desk = await subscribe(
        stack, receiver.url, kind="office", code="nairobi", event_types=["request.received"]
    )
    other = await subscribe(
        stack, receiver.url_for("geneva"), kind="office", code="geneva",
        event_types=["request.received"],
    )  # fmt: skip
    submitted = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub="v-jonas")
    )
    assert submitted.status_code == 201, submitted.text
    await until(stack, desk["id"], "delivered")
    [message] = receiver.verified(desk["secret"])
    assert message["type"] == "request.received"
    assert message["data"] == {"request_reference": submitted.json()["reference"],
                               "office": "nairobi", "received_on": today()}  # fmt: skip
    await asyncio.sleep(0.3)
    assert await deliveries(stack, other["id"]) == []
    text = receiver.received[0][0].decode() + json.dumps(receiver.received[0][1])
    for canary in ("Jonas", "Okafor", "771204", "example.org", "v-jonas"):
        assert canary not in text


async def test_relayed_events_leave_their_producers_and_the_log_forgets_deliveries(
    stack: Stack, receiver: Receiver
) -> None:
    """What a webhook carried does not stay where nobody needs it: intake's and cases'
    outboxes delete what mediation has taken, and mediation's log prunes delivered rows
    after `webhook_log_days` (a dead letter stays for its replay)."""
    desk = await subscribe(
        stack, receiver.url, kind="office", code="nairobi",
        event_types=["request.received", "case.assigned"],
    )  # fmt: skip
    await assigned_case(stack)  # a request received, then its case assigned
    delivered = await until(stack, desk["id"], "delivered", count=2)
    for service in ("intake", "cases"):
        async with state_of(stack.apps[service]).session_maker() as session:
            left = await session.scalar(text("SELECT count(*) FROM webhook_outbox"))
        assert left == 0, service
    days = settings_of(stack.apps["mediation"], MediationSettings).webhook_log_days
    async with state_of(stack.apps["mediation"]).session_maker() as session, session.begin():
        too_early = dt.datetime.now(dt.UTC) + dt.timedelta(days=days - 1)
        assert await prune_delivery_log(session=session, days=days, now=too_early) == 0
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=days, minutes=1)
        assert await prune_delivery_log(session=session, days=days, now=later) == len(delivered)
    assert await deliveries(stack, desk["id"]) == []


async def test_two_rotations_at_once_cannot_bring_back_a_retired_secret(
    stack: Stack, receiver: Receiver
) -> None:
    """An administrator reads the subscription to rotate it; meanwhile another retires its
    leaked secret at once. The first rotation must not write the retired secret back as its
    previous one (it would sign again for the whole overlap)."""
    subscription = await subscribe(stack, receiver.url)
    state = state_of(stack.apps["mediation"])
    async with state.session_maker() as reading:
        seen = await reading.get(WebhookSubscription, subscription["id"])
        assert seen is not None
        reading.expunge(seen)  # what the first administrator's rotation read, now stale
    expect(
        await stack.gateway.post(
            f"/v1/webhooks/subscriptions/{subscription['id']}/rotate",
            json={"overlap_hours": 0},
            headers=admin(stack),
        ),
        200,
    )
    async with state.session_maker() as session:
        with pytest.raises(Conflict):
            await rotate(
                session=session, envelope=state.envelope, subscription=seen,
                overlap=dt.timedelta(hours=24),
            )  # fmt: skip
    read = expect(
        await stack.gateway.get(
            f"/v1/webhooks/subscriptions/{subscription['id']}", headers=admin(stack)
        ),
        200,
    )
    assert read["previous_secret_valid_until"] is None
