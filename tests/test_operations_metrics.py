"""The series docs/operations.md tells operators to alert on are set by the code that does
the work, and read back from each service's own `/metrics` after real work: a relay that
could not deliver and then did, retention runs of every service (one that left content
due), and certificates issued, re-issued and revoked.

Counters are process-wide and other tests add to them, so each test compares the samples
of one page before and after its work; gauges are compared to what is true now.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cases.main import create_app as create_cases
from intake.main import create_app as create_intake
from mediation.main import create_app as create_mediation
from ombuds_shared.dependencies import state_of
from ombuds_testing import TestDatabases, TestKeys, app_client

from .cases_helpers import assigned_case, handler
from .conftest import Stack, intake_body
from .mediation_support import Mediations, expect, today
from .pipeline import case_life, new_id, producer_behind_gateway

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(page: str) -> Samples:
    """Every sample of a Prometheus text page, keyed by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; a labelled series not yet created counts as 0."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def page_of(client: httpx.AsyncClient) -> Samples:
    answer = await client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return parse(answer.text)


async def served_page(stack: Stack, service: str) -> Samples:
    """The page a service serves on its own port (what Prometheus scrapes)."""
    async with httpx.AsyncClient(base_url=stack.urls[service], timeout=5) as client:
        return await page_of(client)


# --- outbox relay ------------------------------------------------------------------------


async def test_the_relay_reports_its_backlog_while_undelivered_and_counts_deliveries(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    # The stack's own cases relay reports under the same `service` label in this one
    # process (in production each service has its own): keep it from recounting meanwhile.
    state_of(stack.apps["cases"]).outbox_relay.observe_seconds = 3600
    async with producer_behind_gateway(
        "cases", stack, keys=keys, databases=databases, tmp_path=tmp_path
    ) as (gateway, cases):
        before = await page_of(cases.client)
        await gateway.stop()  # the receiver is away: nothing can be delivered
        events = case_life(new_id())
        await cases.emit(events)
        page = before
        for _ in range(200):  # bounded: the relay tries, fails, and recounts its backlog
            await asyncio.sleep(0.02)
            page = await page_of(cases.client)
            if value(page, "ombuds_outbox_backlog", service="cases") == len(events):
                break
        assert value(page, "ombuds_outbox_backlog", service="cases") == len(events)
        assert value(page, "ombuds_outbox_oldest_age_seconds", service="cases") > 0
        failures = "ombuds_outbox_delivery_failures_total"
        assert value(page, failures, service="cases") - value(
            before, failures, service="cases"
        ) >= len(events)
        delivered = "ombuds_outbox_delivered_total"
        assert value(page, delivered, service="cases") == value(before, delivered, service="cases")

        await gateway.start()
        await cases.drained()
        for _ in range(200):  # bounded: the relay recounts once it goes quiet
            page = await page_of(cases.client)
            if value(page, "ombuds_outbox_backlog", service="cases") == 0:
                break
            await asyncio.sleep(0.02)
        assert value(page, "ombuds_outbox_backlog", service="cases") == 0
        assert value(page, "ombuds_outbox_oldest_age_seconds", service="cases") == 0
        assert value(page, delivered, service="cases") - value(
            before, delivered, service="cases"
        ) == len(events)


# --- retention ---------------------------------------------------------------------------


def _every_50_ms(stack: Stack, service: str, **months: int) -> Any:
    """A second replica's settings: the same database, a zero-month schedule every 50 ms."""
    running = state_of(stack.apps[service]).settings
    return running.model_copy(update={**months, "retention_interval_seconds": 0.05})


async def _until_runs(
    client: httpx.AsyncClient, service: str, outcome: str, more_than: float
) -> Samples:
    page: Samples = {}
    for _ in range(200):  # bounded: the schedule runs every 50 ms
        page = await page_of(client)
        runs = value(page, "ombuds_retention_runs_total", service=service, outcome=outcome)
        if runs > more_than:
            return page
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {outcome} retention run of {service} was counted")


async def test_each_services_retention_run_counts_itself_and_what_it_destroyed(
    stack: Stack,
) -> None:
    med = Mediations(stack)
    case_id = await assigned_case(stack)
    closed = await stack.gateway.post(
        f"/v1/cases/{case_id}/status",
        json={"status": "closed", "closure_reason": "options_provided"},
        headers=handler(stack),
    )
    assert closed.status_code == 200, closed.text
    mediation_id = await med.under_way()
    expect(await med.close(mediation_id, "settled", settlement_signed_on=today()), 200)
    left = await stack.gateway.post(
        "/v1/intake/requests", json=intake_body(), headers=stack.auth("visitor", sub="v-left")
    )
    assert left.status_code == 201, left.text
    await asyncio.sleep(0.01)  # the cutoff of a zero-month schedule is "now"

    replicas = {
        "cases": (create_cases, {"retention_months": 0}, "cases"),
        "intake": (create_intake, {"request_retention_months": 0}, "requests"),
        "mediation": (create_mediation, {"retention_months": 0}, "mediations"),
    }
    for service, (create, months, kind) in replicas.items():
        before = await served_page(stack, service)
        runs_before = value(
            before, "ombuds_retention_runs_total", service=service, outcome="completed"
        )
        async with app_client(create(_every_50_ms(stack, service, **months))) as replica:
            page = await _until_runs(replica, service, "completed", runs_before)
            destroyed = "ombuds_retention_destroyed_total"
            gone = value(page, destroyed, service=service, kind=kind) - value(
                before, destroyed, service=service, kind=kind
            )
            assert gone == 1, (service, gone)
            failed = "ombuds_retention_runs_total"
            assert value(page, failed, service=service, outcome="failed") == value(
                before, failed, service=service, outcome="failed"
            ), service


async def test_a_run_that_leaves_content_due_counts_as_failed(stack: Stack) -> None:
    med = Mediations(stack)
    mediation_id = await med.under_way()
    expect(await med.close(mediation_id, "settled", settlement_signed_on=today()), 200)
    await asyncio.sleep(0.01)
    before = await served_page(stack, "mediation")
    # Intake, which holds the parties' identities, is away: the mediation stays due.
    await stack.stop("intake")
    settings = _every_50_ms(stack, "mediation", retention_months=0)
    async with app_client(create_mediation(settings)) as replica:
        failed_before = value(
            before, "ombuds_retention_runs_total", service="mediation", outcome="failed"
        )
        page = await _until_runs(replica, "mediation", "failed", failed_before)
    destroyed = "ombuds_retention_destroyed_total"
    assert value(page, destroyed, service="mediation", kind="mediations") == value(
        before, destroyed, service="mediation", kind="mediations"
    )


# --- certificates ------------------------------------------------------------------------


async def test_certificates_issued_reissued_and_revoked_are_counted(stack: Stack) -> None:
    med = Mediations(stack)
    mediation_id = await med.under_way()
    before = await served_page(stack, "mediation")
    await med.issue(mediation_id)
    second = await med.issue(mediation_id)  # replaces the first: a re-issue
    revoked = await stack.gateway.post(
        f"/v1/certificates/{second['id']}/revoke",
        json={"reason": "issued_in_error"},
        headers=med.mediator,
    )
    assert revoked.status_code == 200, revoked.text
    after = await served_page(stack, "mediation")

    def added(action: str) -> float:
        name = "ombuds_certificates_total"
        return value(after, name, service="mediation", action=action) - value(
            before, name, service="mediation", action=action
        )

    assert (added("issued"), added("reissued"), added("revoked")) == (1, 1, 1)
    # A refused revocation (already revoked) counts nothing.
    again = await stack.gateway.post(
        f"/v1/certificates/{second['id']}/revoke",
        json={"reason": "issued_in_error"},
        headers=med.mediator,
    )
    assert again.status_code == 409, again.text
    final = await served_page(stack, "mediation")
    assert value(final, "ombuds_certificates_total", service="mediation", action="revoked") == (
        value(after, "ombuds_certificates_total", service="mediation", action="revoked")
    )
