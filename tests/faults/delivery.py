"""Counting events where they are made and where they land: the producers' outboxes, analytics.

The fault tests share one promise about events: whatever was killed, once the
system is back, every event in each producer's outbox is stored in analytics
exactly once, within a bound. Analytics only ever sees an event's pseudonym,
which the test computes with the gateway's own key.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sqlalchemy import text

from gateway.events.pseudonym import Pseudonymizer, load_pseudonym_key
from ombuds import system
from ombuds_shared.db import create_engine

PRODUCERS = ("cases", "mediation")
# The relays' longest back-off, shortened from the default minute so that the tests are short:
# once the receiver is back, a refused event waits at most this long before its next try.
MAX_BACKOFF_SECONDS = 2
# From the system being back (its work done) until every event is stored in analytics.
DRAIN_BOUND_SECONDS = MAX_BACKOFF_SECONDS + 20


def quick_relay_env() -> dict[str, str]:
    """The environment that shortens every producer's relay back-off."""
    return {f"OMBUDS_{name.upper()}_OUTBOX_MAX_BACKOFF_SECONDS": str(MAX_BACKOFF_SECONDS)
            for name in PRODUCERS}  # fmt: skip


def settings(running: system.System, name: str) -> Any:
    """A service's settings, as its process sees them."""
    spec = next(s for s in system.SERVICES if s.name == name)
    env = {**system.service_environment(running.data_dir, running.port), **running.extra_env}
    return system.settings_for(spec, env)


def query(running: system.System, service: str, statement: str) -> list[tuple[Any, ...]]:
    """Reads a service's own database directly (what no API shows: outboxes, stored events)."""
    url = settings(running, service).resolved_database_url

    async def run() -> list[tuple[Any, ...]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return [tuple(row) for row in await conn.execute(text(statement))]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def outbox(running: system.System, service: str) -> dict[str, Any]:
    """The producer's own account of its backlog (its monitoring route)."""
    response = httpx.get(running.url(service) + "/v1/internal/outbox", timeout=5)
    assert response.status_code == 200
    return dict(response.json())


def pseudonym(running: system.System) -> Pseudonymizer:
    """The gateway's pseudonyms, to recognize in analytics what the producers made."""
    return Pseudonymizer(load_pseudonym_key(settings(running, "gateway")))


def _count(running: system.System, service: str, statement: str) -> int:
    return int(query(running, service, statement)[0][0])


def delivered_exactly_once(
    running: system.System, within: float = DRAIN_BOUND_SECONDS
) -> dict[str, list[str]]:
    """Waits (at most `within` seconds) until analytics holds every event of every producer's
    outbox, then checks it holds each exactly once and nothing else; returns the event ids.

    Call it once the work is done, so that the outboxes no longer grow."""
    produced = {name: [row[0] for row in query(running, name, "SELECT event_id FROM outbox_event")]
                for name in PRODUCERS}  # fmt: skip
    expected = sum(len(ids) for ids in produced.values())
    deadline = time.monotonic() + within
    for _ in range(10_000):  # bounded; the clock ends it
        stored = _count(running, "analytics", "SELECT count(*) FROM ingested_event")
        pending = sum(
            _count(running, name, "SELECT count(*) FROM outbox_event WHERE delivered_at IS NULL")
            for name in PRODUCERS
        )
        if stored >= expected and pending == 0:
            break
        assert time.monotonic() < deadline, f"{stored}/{expected} stored, {pending} pending"
        time.sleep(0.5)
    # Exactly once: analytics holds the pseudonym of every producer's event, and nothing else.
    of = pseudonym(running)
    wanted = {of("event", event_id) for ids in produced.values() for event_id in ids}
    ingested = [
        row[0] for row in query(running, "analytics", "SELECT event_id FROM ingested_event")
    ]
    assert len(ingested) == len(set(ingested)) == expected
    assert set(ingested) == wanted
    return produced
