"""Contacts, hours and time to resolution: ingested as sums, published through suppression.

Six Nairobi cases and two Geneva cases (secretariat, 2024), each with two contacts of an
hour; Nairobi's closed after 10 days, Geneva's after 400. With threshold 5, Geneva's two
are withheld, and so is Nairobi (its complement: the pillar's total would give Geneva's
figures away); the totals are published.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Analytics, cells, pseudonym

YEAR = {"from_year": 2024, "to_year": 2024}


def _contact(key: str, **changes: Any) -> tuple[str, dict[str, Any]]:
    return ("case.contact_logged", {
        "case_key": key, "contacted_month": "2024-04", "medium": "phone",
        "duration_minutes": 60, "participants": ["visitor", "ombudsman"], **changes,
    })  # fmt: skip


@pytest.fixture
async def logged(analytics: Analytics) -> Analytics:
    events: list[tuple[str, dict[str, Any]]] = []
    # Durations arrive as the first day of their class (the gateway coarsens them): 7 is
    # 7-13 days, 399 is 399-405.
    for n, (office, days) in enumerate([("nairobi", 7)] * 6 + [("geneva", 399)] * 2):
        key = pseudonym(f"workload-{n}")
        events += [
            ("case.opened", {
                "case_key": key, "opened_month": "2024-03", "pillar": "secretariat",
                "office": office, "location": "field_mission",
                "occupational_group": "field_service", "intake_channel": "visitor",
                "is_group": False, "participant_count": None,
            }),
            _contact(key), _contact(key, medium="email", duration_minutes=60),
            ("case.closed", {"case_key": key, "closed_month": "2024-06",
                             "closure_reason": "resolved", "days_open": days}),
        ]  # fmt: skip
    assert set(await analytics.events(*events)) == {"stored"}
    return analytics


async def test_contacts_and_hours_are_published_only_where_the_cases_are(
    logged: Analytics,
) -> None:
    total = cells(await logged.statistic("contacts-per-case", **YEAR), 2024)
    assert total == {"cases": 8, "contacts": 16, "contacts_per_case": 2.0, "hours": 16.0,
                     "hours_per_case": 2.0}  # fmt: skip
    for office in ("geneva", "nairobi"):
        sliced = cells(await logged.statistic("contacts-per-case", office=office, **YEAR), 2024)
        assert set(sliced.values()) == {None}, office
    per_office = await logged.statistic("hours-per-office", pillar="secretariat", **YEAR)
    assert cells(per_office, 2024, office="*")["hours"] == 16.0
    assert cells(per_office, 2024, office="geneva")["hours"] is None
    assert cells(per_office, 2024, office="nairobi")["hours"] is None
    other_pillar = await logged.statistic("hours-per-office", pillar="unhcr", **YEAR)
    assert [row["office"] for row in other_pillar["rows"]] == ["*"]


async def test_time_to_resolution_withholds_small_bands_and_their_complements(
    logged: Analytics,
) -> None:
    total = cells(await logged.statistic("time-to-resolution", **YEAR), 2024)
    assert (total["resolved"], total["median_days"]) == (8, 7)
    # Two resolved after 180 days is a small cell; the 30-day band is its complement.
    assert total["within_30_share"] is None
    assert total["within_180_share"] is None
    geneva = cells(await logged.statistic("time-to-resolution", office="geneva", **YEAR), 2024)
    assert set(geneva.values()) == {None}


async def test_contact_events_out_of_shape_are_refused(analytics: Analytics) -> None:
    key = pseudonym("workload-refused")
    statuses = await analytics.events(
        _contact(key, duration_minutes=1441),
        _contact(key, participants=["Jonas Schmidt"]),
        _contact(key, summary="free text"),
        _contact(key, medium="carrier_pigeon"),
        _contact(key),  # well formed, but of a case analytics never saw opened
    )
    assert statuses == ["refused"] * 5


async def test_a_duration_in_exact_days_is_refused(analytics: Analytics) -> None:
    """Finding A3: exact days with the opening and closing months pin a case to its days;
    whatever reaches analytics must be the first day of a class (docs/events.md)."""
    events: list[tuple[str, dict[str, Any]]] = []
    for days in (58, 30, 56):
        key = pseudonym(f"duration-{days}")
        events += [
            ("case.opened", {
                "case_key": key, "opened_month": "2024-03", "pillar": "secretariat",
                "office": "nairobi", "location": "field_mission",
                "occupational_group": "field_service", "intake_channel": "visitor",
                "is_group": False, "participant_count": None,
            }),
            ("case.closed", {"case_key": key, "closed_month": "2024-05",
                             "closure_reason": "resolved", "days_open": days}),
        ]  # fmt: skip
    statuses = await analytics.events(*events)
    assert statuses == ["stored", "refused", "stored", "refused", "stored", "stored"]


async def _rollup(analytics: Analytics, *, rebuilt: bool) -> list[tuple[Any, ...]]:
    from sqlalchemy import select

    from analytics.facts.models import CaseCount
    from analytics.facts.service import rebuild_rollups
    from ombuds_shared.db import create_engine, create_session_maker

    engine = create_engine(analytics.database_url)
    try:
        async with create_session_maker(engine)() as session:
            if rebuilt:
                await rebuild_rollups(session=session)
            query = select(
                CaseCount.dimension, CaseCount.year, CaseCount.pillar, CaseCount.office,
                CaseCount.value, CaseCount.count,
            ).where(CaseCount.dimension.in_(("contacted", "contacts", "contact_minutes",
                                             "days_open")))  # fmt: skip
            return sorted(tuple(r) for r in await session.execute(query))
    finally:
        await engine.dispose()


async def test_the_rollup_keeps_contact_sums_and_days_as_a_rebuild_from_the_facts(
    logged: Analytics,
) -> None:
    """The workload statistics read the rollup, not the facts: kept at ingestion, a case
    closed a second time moves from its first closing to its last, as in its fact."""
    again = pseudonym("workload-0")
    assert await logged.events(
        _contact(again, duration_minutes=30),
        ("case.closed", {"case_key": again, "closed_month": "2025-02",
                         "closure_reason": "resolved", "days_open": 399}),
    ) == ["stored", "stored"]  # fmt: skip
    incremental = await _rollup(logged, rebuilt=False)
    assert ("contacts", 2024, "secretariat", "nairobi", "", 13) in incremental
    assert ("contact_minutes", 2024, "secretariat", "nairobi", "", 750) in incremental
    assert ("days_open", 2024, "secretariat", "nairobi", "7", 5) in incremental
    assert ("days_open", 2025, "secretariat", "nairobi", "399", 1) in incremental
    assert incremental == await _rollup(logged, rebuilt=True)
    total = cells(await logged.statistic("time-to-resolution", **YEAR), 2024)
    assert (total["resolved"], total["median_days"]) == (7, 7)
    contacts = cells(await logged.statistic("contacts-per-case", **YEAR), 2024)
    assert (contacts["cases"], contacts["contacts"], contacts["hours"]) == (8, 17, 16.5)
