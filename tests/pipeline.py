"""The event pipeline for cross-service tests: a producer with a real outbox and relay,
the gateway served over HTTP for it, and helpers to read analytics' database."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase

from cases.main import MIGRATIONS as CASES_MIGRATIONS
from gateway.main import create_app as create_gateway
from ombuds_shared.app import create_service_app
from ombuds_shared.config import ServiceSettings
from ombuds_shared.db import create_engine, new_metadata
from ombuds_shared.dependencies import state_of
from ombuds_shared.outbox import OutboxColumns, backlog, emit
from ombuds_testing import TestDatabases, TestKeys, app_client, free_port, serve_app

from .conftest import Stack


class Base(DeclarativeBase):
    metadata = new_metadata()


class ProducerOutbox(OutboxColumns, Base):
    """An outbox table as a producing service declares it (named apart from theirs)."""

    __tablename__ = "test_outbox_event"


@dataclass
class Producer:
    """A service with an outbox and the shared relay, delivering to the served gateway."""

    name: str
    app: FastAPI
    client: httpx.AsyncClient
    engine: AsyncEngine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        maker: async_sessionmaker[AsyncSession] = state_of(self.app).session_maker
        return maker

    async def emit(self, events: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Writes (event_type, aggregate_id, payload) rows in one transaction."""
        async with self.sessions() as session:
            for event_type, aggregate_id, payload in events:
                emit(
                    session,
                    ProducerOutbox,
                    event_type=event_type,
                    aggregate_id=aggregate_id,
                    payload=payload,
                )
            await session.commit()
        state_of(self.app).outbox_relay.wake()

    async def backlog(self) -> dict[str, Any]:
        response = await self.client.get("/v1/internal/outbox")
        assert response.status_code == 200
        return dict(response.json())

    async def drained(self, *, attempts: int = 400) -> None:
        """Waits (bounded) until every outbox row is delivered."""
        for _ in range(attempts):
            if (await self.backlog())["pending"] == 0:
                return
            state_of(self.app).outbox_relay.wake()
            await asyncio.sleep(0.05)
        raise AssertionError(f"the outbox did not drain: {await self.backlog()}")

    async def redeliver_all(self) -> None:
        """Marks every row pending again, as a relay that crashed before recording would."""
        async with self.sessions() as session:
            await session.execute(
                update(ProducerOutbox).values(delivered_at=None, next_attempt_at=None)
            )
            await session.commit()
        state_of(self.app).outbox_relay.wake()

    async def backlog_in_db(self) -> int:
        async with self.sessions() as session:
            return (await backlog(session, ProducerOutbox)).pending


@contextlib.asynccontextmanager
async def producer(
    name: str, *, keys: TestKeys, databases: TestDatabases, tmp_path: Path, gateway_url: str
) -> AsyncIterator[Producer]:
    """A producing service (`cases` or `mediation` identity) on a fresh database."""
    # A real database of the producer's kind, with the test outbox table added to it.
    url = databases.fresh("cases", CASES_MIGRATIONS)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    settings = ServiceSettings(
        service_name=name,
        environment="test",
        data_dir=tmp_path,
        database_url=url,
        signing_key_file=keys.key_file(name),
        internal_jwks_file=keys.jwks_file,
        gateway_url=gateway_url,
        outbox_poll_seconds=0.05,
        outbox_max_backoff_seconds=0.4,
        peer_timeout_seconds=3,
    )
    app = create_service_app(
        settings, title=name, description=name, routers=(), outbox_model=ProducerOutbox
    )
    try:
        async with app_client(app) as client:
            yield Producer(name, app, client, engine)
    finally:
        await engine.dispose()


@dataclass
class ServedGateway:
    """A second gateway instance on a real port (same keys, same pseudonym key)."""

    stack: Stack
    port: int
    private_port: int
    _server: contextlib.AsyncExitStack | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def private_url(self) -> str:
        """Its private listener: where relays deliver events."""
        return f"http://127.0.0.1:{self.private_port}"

    async def start(self) -> None:
        server = contextlib.AsyncExitStack()
        settings = self.stack.settings.model_copy(
            update={"private_bind": f"127.0.0.1:{self.private_port}"}
        )
        await server.enter_async_context(serve_app(create_gateway(settings), self.port))
        self._server = server

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.aclose()
            self._server = None


@contextlib.asynccontextmanager
async def served_gateway(stack: Stack) -> AsyncIterator[ServedGateway]:
    served = ServedGateway(stack, free_port(), free_port())
    await served.start()
    try:
        yield served
    finally:
        await served.stop()


@contextlib.asynccontextmanager
async def producer_behind_gateway(
    name: str, stack: Stack, *, keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> AsyncIterator[tuple[ServedGateway, Producer]]:
    """A producer (see `producer`) whose relay delivers to a served gateway of its own."""
    async with (
        served_gateway(stack) as gateway,
        producer(name, keys=keys, databases=databases, tmp_path=tmp_path,
                 gateway_url=gateway.private_url) as made,
    ):  # fmt: skip
        yield gateway, made


async def analytics_scalar(stack: Stack, statement: Any) -> Any:
    engine = create_engine(stack.database_urls["analytics"])
    try:
        async with engine.connect() as conn:
            return (await conn.execute(statement)).scalar_one()
    finally:
        await engine.dispose()


async def analytics_rows(stack: Stack, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(stack.database_urls["analytics"])
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


def count_of(model: Any) -> Any:
    return select(func.count()).select_from(model)


def case_life(
    case_id: str, *, year: int = 2025, **opened: Any
) -> list[tuple[str, str, dict[str, Any]]]:
    """A case's events from opening to closure, as the cases service emits them."""
    day = dt.date(year, 3, 14).isoformat()
    fields = {
        "case_id": case_id,
        "opened_on": day,
        "pillar": "secretariat",
        "office": "nairobi",
        "location": "field_mission",
        "occupational_group": "field_service",
        "intake_channel": "visitor",
        "is_group": False,
        "participant_count": None,
        **opened,
    }
    return [
        ("case.opened", case_id, fields),
        ("case.issue_recorded", case_id, {"case_id": case_id, "issue_code": "2.b",
         "category": "2", "taxonomy_version": "ioa-urc-2007-v2", "recorded_on": day}),
        ("case.issue_recorded", case_id, {"case_id": case_id, "issue_code": "4.a",
         "category": "4", "taxonomy_version": "ioa-urc-2007-v2", "recorded_on": day}),
        ("case.service_given", case_id, {"case_id": case_id, "service": "coaching",
         "given_on": day}),
        ("case.status_changed", case_id, {"case_id": case_id, "status": "in_progress",
         "changed_on": day}),
        ("case.systemic_issue_tagged", case_id, {"case_id": case_id,
         "systemic_issue": "fear_of_speaking_out", "tagged_on": day}),
        ("case.referral_made", case_id, {"case_id": case_id,
         "formal_channel": "ethics_office", "referred_on": day}),
        ("case.closed", case_id, {"case_id": case_id, "closed_on": day,
         "closure_reason": "resolved"}),
    ]  # fmt: skip


def mediation_life(mediation_id: str, *, year: int = 2025, outcome: str = "settled",
                   **opened: Any) -> list[tuple[str, str, dict[str, Any]]]:  # fmt: skip
    """A mediation's events through every state, as the mediation service emits them."""
    day = dt.date(year, 5, 2).isoformat()
    fields = {
        "mediation_id": mediation_id, "opened_on": day, "pillar": "secretariat",
        "office": "mediation-service", "referral_source": "dispute_tribunal",
        "is_group": False, "participant_count": 2, "issue_codes": ["2.b"], "from_case": True,
        **opened,
    }  # fmt: skip
    m = mediation_id
    return [
        ("mediation.opened", m, fields),
        ("mediation.agreement_recorded", m, {"mediation_id": m, "recorded_on": day,
         "parties_agreed": 2, "parties_total": 2}),
        ("mediation.started", m, {"mediation_id": m, "started_on": day}),
        ("mediation.session_held", m, {"mediation_id": m, "held_on": day, "mode": "remote"}),
        ("mediation.extension_granted", m, {"mediation_id": m, "granted_on": day, "days": 30}),
        ("mediation.closed", m, {"mediation_id": m, "closed_on": day, "outcome": outcome}),
    ]  # fmt: skip


def new_id() -> str:
    return str(uuid.uuid4())
