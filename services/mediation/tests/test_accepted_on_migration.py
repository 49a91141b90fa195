"""Mediations accepted before acceptances were dated take the start of their suspension."""

import datetime as dt
import uuid

from sqlalchemy import text

from mediation.main import MIGRATIONS
from ombuds_shared.db import create_engine
from ombuds_shared.migrations import upgrade_async
from ombuds_testing import TestDatabases

from .conftest import OLD_MEDIATION

_CLOCK = text(
    "INSERT INTO deadline_clock (id, mediation_id, kind, state, started_on, period_days, due_on) "
    "VALUES (:id, :m, 'tribunal_suspension', 'running', :on, 30, :due)"
)


async def test_an_accepted_mediation_keeps_the_day_its_suspension_started(
    databases: TestDatabases,
) -> None:
    url = databases.empty("mediation")
    await upgrade_async(MIGRATIONS, url, "20261207_k3")
    tribunal, plain, referred = (str(uuid.uuid4()) for _ in range(3))
    started = dt.date(2026, 3, 9)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for mediation_id, source, status in (
                (tribunal, "dispute_tribunal", "agreement_pending"),
                (plain, "self_referral", "agreement_pending"),
                (referred, "dispute_tribunal", "referred"),
            ):
                await conn.execute(
                    OLD_MEDIATION, {"id": mediation_id, "source": source, "status": status}
                )
            await conn.execute(
                _CLOCK,
                {"id": str(uuid.uuid4()), "m": tribunal, "on": started,
                 "due": started + dt.timedelta(days=30)},
            )  # fmt: skip
        await upgrade_async(MIGRATIONS, url)
        async with engine.connect() as conn:
            rows = dict((await conn.execute(text("SELECT id, accepted_on FROM mediation"))).all())
    finally:
        await engine.dispose()
    accepted = {k: v if v is None or isinstance(v, dt.date) else dt.date.fromisoformat(v)
                for k, v in rows.items()}  # fmt: skip
    # Without a tribunal clock the day is unknown: later steps fall back to the opening.
    assert accepted == {tribunal: started, plain: None, referred: None}
