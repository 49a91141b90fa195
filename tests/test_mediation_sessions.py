"""The mediator's diary through the running gateway: sessions planned, moved, cancelled and
held; overlaps flagged; the office's schedule without venues; calendars with no party in them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from .conftest import Stack
from .graphql_support import graphql_as, run
from .mediation_support import CASE_NUMBER, OFFICE, Mediations, expect, today

ZURICH = "Europe/Zurich"
VENUE = "Palais Wilson, salle 3 (entrance on Quai Wilson)"
SHARED_VENUE = "Room S-2201, Secretariat building"
PARTIES = (
    {"name": "Ingrid Okonkwo-Haldane", "role": "Applicant", "email": "ingrid.oh@example.org"},
    {
        "name": "Tomasz Wieczorek-Ruiz",
        "role": "Representative of the administration",
        "email": "t.wieczorek@example.org",
    },
)


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


def _local(days: int, hour: int = 9, minute: int = 30) -> dt.datetime:
    """A wall time `days` from today (naive, as a mediator types it)."""
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute))


def _plan(
    starts: dt.datetime, zone: str = ZURICH, minutes: int = 90, **extra: Any
) -> dict[str, Any]:
    return {
        "starts_at": starts.isoformat(),
        "time_zone": zone,
        "duration_minutes": minutes,
        "mode": "video",
        **extra,
    }


def _utc(local: dt.datetime, zone: str) -> dt.datetime:
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


async def _session_events(med: Mediations, mediation_id: str) -> list[dict[str, Any]]:
    return [p for kind, p in await med.events(mediation_id) if kind == "mediation.session_held"]


async def test_a_session_is_planned_moved_cancelled_and_held_with_its_history(
    med: Mediations,
) -> None:
    mediation_id = await med.under_way()
    base = f"/v1/mediations/{mediation_id}/sessions"
    held_at_start = await _session_events(med, mediation_id)
    assert len(held_at_start) == 1  # the first session, which started the mediation

    local = _local(days=3)
    planned = expect(await med.post(mediation_id, "sessions", _plan(local, venue=VENUE)), 201)
    assert planned["status"] == "planned"
    assert dt.datetime.fromisoformat(planned["starts_at"]) == _utc(local, ZURICH)
    assert dt.datetime.fromisoformat(planned["ends_at"]) == _utc(local, ZURICH) + dt.timedelta(
        minutes=90
    )
    assert planned["held_on"] == local.date().isoformat()
    assert planned["venue"] == VENUE
    assert planned["venue_in_calendar"] is False
    assert [c["change"] for c in planned["changes"]] == ["planned"]
    assert planned["warnings"] == []

    # Moved with a reason: the history keeps both times.
    later = _local(days=5, hour=14)
    moved = expect(
        await med.post(
            mediation_id,
            f"sessions/{planned['id']}/reschedule",
            {**_plan(later), "reason": "party_unavailable", "mode": "in_person"},
        ),
        200,
    )
    assert [c["change"] for c in moved["changes"]] == ["planned", "rescheduled"]
    assert moved["changes"][1]["reason"] == "party_unavailable"
    assert dt.datetime.fromisoformat(moved["changes"][0]["starts_at"]) == _utc(local, ZURICH)
    assert dt.datetime.fromisoformat(moved["starts_at"]) == _utc(later, ZURICH)
    assert moved["mode"] == "in_person"
    assert moved["venue"] == VENUE

    # Bad input is a 422 that names what is wrong; a planned session is in the future.
    for body, field in (
        (_plan(_local(days=1), zone="Mars/Olympus_Mons"), "time_zone"),
        (_plan(_local(days=1), zone="../../etc/passwd"), "time_zone"),
        (_plan(_local(days=-1)), "starts_at"),
        ({**_plan(_local(days=1)), "starts_at": "2030-01-01T09:00:00+02:00"}, "starts_at"),
        ({**_plan(_local(days=1)), "ends_at": _local(days=1, hour=10).isoformat()}, None),
        ({**_plan(_local(days=1)), "held_on": today()}, None),
    ):
        refused = await med.post(mediation_id, "sessions", body)
        assert refused.status_code == 422, (body, refused.text)
        if field:
            assert field in refused.text, refused.text

    # A session planned for later today can be recorded as held today, not one days ahead.
    soon = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(minutes=5)
    today_session = expect(
        await med.post(mediation_id, "sessions", _plan(soon, zone="UTC", minutes=60)), 201
    )
    too_early = await med.post(mediation_id, f"sessions/{moved['id']}/held", {})
    assert too_early.status_code == 422, too_early.text
    assert len(await _session_events(med, mediation_id)) == 1  # planned and moved: no fact
    held = expect(await med.post(mediation_id, f"sessions/{today_session['id']}/held", {}), 200)
    assert held["status"] == "held"
    assert [c["change"] for c in held["changes"]] == ["planned", "held"]
    events = await _session_events(med, mediation_id)
    assert len(events) == 2
    # Analytics learns the day (coarsened to a month by the projection) and "remote".
    assert events[-1] == {"mediation_id": mediation_id, "held_on": soon.date().isoformat(),
                          "mode": "remote"}  # fmt: skip
    again = await med.post(mediation_id, f"sessions/{today_session['id']}/cancel",
                           {"reason": "other"})  # fmt: skip
    assert again.status_code == 409, again.text

    # Cancelled with a reason code (never free text); a cancelled session stays cancelled.
    cancelled = expect(
        await med.post(mediation_id, f"sessions/{moved['id']}/cancel", {"reason": "party_request"}),
        200,
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["changes"][-1] == {**cancelled["changes"][-1], "change": "cancelled",
                                        "reason": "party_request"}  # fmt: skip
    for action, body in (("held", {}), ("reschedule", {**_plan(later), "reason": "other"})):
        refused = await med.post(mediation_id, f"sessions/{moved['id']}/{action}", body)
        assert refused.status_code == 409, refused.text
    free_text = await med.post(
        mediation_id, f"sessions/{moved['id']}/cancel", {"reason": "Ingrid is ill"}
    )
    assert free_text.status_code == 422
    assert len(await _session_events(med, mediation_id)) == 2  # cancelled: no fact

    # Recording after the fact works as before; a held day is never in the future.
    expect(await med.post(mediation_id, "sessions", {"held_on": today(), "mode": "in_person"}), 201)
    future = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
    late = await med.post(mediation_id, "sessions", {"held_on": future, "mode": "in_person"})
    assert late.status_code == 422

    # Closing the mediation takes what is still planned off the diary.
    pending = expect(await med.post(mediation_id, "sessions", _plan(_local(days=9))), 201)
    expect(await med.close(mediation_id, "not_settled"), 200)
    after = expect(await med.gateway.get(f"{base}/{pending['id']}", headers=med.mediator), 200)
    assert after["status"] == "cancelled"
    assert after["changes"][-1]["reason"] == "mediation_closed"
    refused = await med.post(mediation_id, "sessions", _plan(_local(days=10)))
    assert refused.status_code == 409


async def test_sessions_stay_within_the_mediation(med: Mediations) -> None:
    referred = await med.open(case_number="UNDT/NY/2026/101")
    # Not before the referral is accepted ...
    early = await med.post(referred, "sessions", _plan(_local(days=2)))
    assert early.status_code == 409, early.text
    # ... but once accepted (by its assigned mediator), the first session can be planned.
    await med.accept(referred)
    await med.assign_self(referred)
    planned = expect(await med.post(referred, "sessions", _plan(_local(days=2))), 201)
    # It cannot be held before the mediation starts.
    held = await med.post(referred, f"sessions/{planned['id']}/held", {})
    assert held.status_code == 409, held.text
    # Started by its first session, which was in the diary for today: that one is held,
    # and no second session appears.
    soon = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) + dt.timedelta(minutes=1)
    first = expect(await med.post(referred, "sessions", _plan(soon, zone="UTC", minutes=60)), 201)
    await med.agree_all(referred)
    expect(await med.start(referred), 200)
    sessions = {s["id"]: s for s in (await med.get(referred))["sessions"]}
    assert set(sessions) == {planned["id"], first["id"]}
    assert sessions[first["id"]]["status"] == "held"
    assert sessions[first["id"]]["mode"] == "remote"  # as the start recorded it
    assert sessions[planned["id"]]["status"] == "planned"
    assert len(await _session_events(med, referred)) == 1


async def test_overlapping_sessions_of_one_mediator_are_flagged_not_refused(
    med: Mediations,
) -> None:
    first = await med.under_way(case_number="UNDT/NY/2026/201")
    second = await med.under_way(case_number="UNDT/NY/2026/202")
    at = _local(days=4, hour=10)
    one = expect(await med.post(first, "sessions", _plan(at, minutes=120)), 201)
    assert one["warnings"] == []
    # Half an hour into the other: planned all the same, with the overlap named.
    overlapping = expect(
        await med.post(second, "sessions", _plan(at + dt.timedelta(minutes=30), minutes=60)), 201
    )
    assert [(w["session_id"], w["mediation_id"]) for w in overlapping["warnings"]] == [
        (one["id"], first)
    ]
    # Back to back is no overlap; a cancelled session no longer counts.
    after = expect(
        await med.post(second, "sessions", _plan(at + dt.timedelta(minutes=120), minutes=60)),
        201,
    )
    assert after["warnings"] == []
    expect(await med.post(first, f"sessions/{one['id']}/cancel", {"reason": "other"}), 200)
    moved = expect(
        await med.post(
            second,
            f"sessions/{overlapping['id']}/reschedule",
            {**_plan(at, minutes=60), "reason": "scheduling_conflict"},
        ),
        200,
    )
    assert moved["warnings"] == []
    # Another mediator's session at the same time is theirs to worry about.
    colleague = Mediations(med.stack, mediator_sub="mediator-ben")
    theirs = await colleague.under_way(case_number="UNDT/NY/2026/203")
    answer = expect(await colleague.post(theirs, "sessions", _plan(at, minutes=60)), 201)
    assert answer["warnings"] == []


async def test_the_office_sees_the_schedule_without_the_venue(med: Mediations) -> None:
    stack = med.stack
    mediation_id = await med.under_way()
    planned = expect(
        await med.post(mediation_id, "sessions", _plan(_local(days=2), venue=VENUE)), 201
    )
    path = f"/v1/mediations/{mediation_id}/sessions"
    colleague = stack.auth("mediator", sub="mediator-ben", office=OFFICE)
    elsewhere = stack.auth("mediator", sub="mediator-geneva", office="geneva")
    for headers in (med.chief, colleague):
        listed = expect(await stack.gateway.get(path, headers=headers), 200)
        assert {s["id"] for s in listed["items"]} >= {planned["id"]}
        assert all(s["venue"] is None for s in listed["items"]), listed
        one = await stack.gateway.get(f"{path}/{planned['id']}", headers=headers)
        assert VENUE not in one.text
        assert one.status_code == 200
        # They see it; only its mediator plans or changes it.
        assert (await stack.gateway.post(path, json=_plan(_local(days=3)),
                                         headers=headers)).status_code == 403  # fmt: skip
        cancel = await stack.gateway.post(
            f"{path}/{planned['id']}/cancel", json={"reason": "other"}, headers=headers
        )
        assert cancel.status_code == 403
    mine = expect(await stack.gateway.get(f"{path}/{planned['id']}", headers=med.mediator), 200)
    assert mine["venue"] == VENUE
    assert (await stack.gateway.get(path, headers=elsewhere)).status_code == 404

    # The chief's schedule: times, modes and who, never a venue; a mediator sees their own.
    schedule = await stack.gateway.get("/v1/mediation-schedule", headers=med.chief)
    entry = next(e for e in expect(schedule, 200)["items"] if e["session_id"] == planned["id"])
    assert entry["mediator"] == med.mediator_sub
    assert entry["mediation_id"] == mediation_id
    assert VENUE not in schedule.text
    assert "venue" not in entry
    theirs = expect(await stack.gateway.get("/v1/mediation-schedule", headers=colleague), 200)
    assert planned["id"] not in {e["session_id"] for e in theirs["items"]}
    geneva_chief = stack.auth("chief", sub="chief-geneva", office="geneva")
    other_office = expect(
        await stack.gateway.get("/v1/mediation-schedule", headers=geneva_chief), 200
    )
    assert planned["id"] not in {e["session_id"] for e in other_office["items"]}

    # GraphQL says the same: the chief reads the diary without the venue.
    document = f'{{ mediation(id: "{mediation_id}") {{ sessionDiary {{ id status venue }} }} }}'
    async with graphql_as(stack, "chief", sub="chief-of-office", office=OFFICE) as session:
        diary = (await run(session, document))["mediation"]["sessionDiary"]
    assert {s["id"] for s in diary} >= {planned["id"]}
    assert all(s["venue"] is None for s in diary)
    async with graphql_as(stack, "mediator", sub=med.mediator_sub, office=OFFICE) as session:
        plan = (
            f'mutation {{ recordMediationSession(mediationId: "{mediation_id}", mode: "phone", '
            f'startsAt: "{_local(days=6).isoformat()}", timeZone: "{ZURICH}", durationMinutes: 45) '
            "{ id status timeZone warnings { sessionId } } }"
        )
        answered = (await run(session, plan))["recordMediationSession"]
    assert answered["status"] == "planned"
    assert answered["timeZone"] == ZURICH


async def _with_named_parties(med: Mediations) -> str:
    """A mediation under way whose two parties are known by name (sealed in the vault)."""
    mediation_id = await med.open(parties=0)
    for identity in PARTIES:
        added = await med.gateway.post(
            f"/v1/mediations/{mediation_id}/parties",
            json={"identity": {**identity, "preferred_contact": "email"}},
            headers=med.mediator,
        )
        expect(added, 201)
    await med.accept(mediation_id)
    await med.agree_all(mediation_id)
    await med.assign_self(mediation_id)
    expect(await med.start(mediation_id), 200)
    return mediation_id


def _events(ics: str) -> list[Any]:
    return list(Calendar.from_ical(ics).walk("VEVENT"))


async def test_a_calendar_feed_carries_no_party_name(med: Mediations) -> None:
    stack = med.stack
    mediation_id = await _with_named_parties(med)
    # The mediator reads the parties (so the names are in play), then plans two sessions.
    revealed = await stack.gateway.get(f"/v1/mediations/{mediation_id}/parties",
                                       headers=med.mediator)  # fmt: skip
    assert PARTIES[0]["name"] in revealed.text
    private = expect(
        await med.post(mediation_id, "sessions", _plan(_local(days=2), venue=VENUE)), 201
    )
    shared = expect(
        await med.post(
            mediation_id,
            "sessions",
            _plan(_local(days=3), venue=SHARED_VENUE, venue_in_calendar=True, mode="in_person"),
        ),
        201,
    )
    cancelled = expect(await med.post(mediation_id, "sessions", _plan(_local(days=4))), 201)
    expect(await med.post(mediation_id, f"sessions/{cancelled['id']}/cancel",
                          {"reason": "venue_unavailable"}), 200)  # fmt: skip

    feed = await stack.gateway.get("/v1/calendar/sessions.ics", headers=med.mediator)
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.headers["cache-control"] == "no-store"
    single = await stack.gateway.get(
        f"/v1/mediations/{mediation_id}/sessions/{private['id']}/calendar.ics",
        headers=med.mediator,
    )
    assert single.status_code == 200, single.text
    for ics in (feed.text, single.text):
        for party in PARTIES:
            for value in (party["name"], party["email"], *party["name"].split()):
                assert value not in ics, value
        # Nor the tribunal's case number, which names the case before a tribunal.
        assert CASE_NUMBER not in ics
        assert VENUE not in ics
    events = {str(e["UID"]).split("@")[0]: e for e in _events(feed.text)}
    assert set(events) == {private["id"], shared["id"]}  # planned only, not the cancelled
    reference = "M-" + mediation_id.replace("-", "")[:8].upper()
    for event in events.values():
        assert reference in str(event["SUMMARY"])
        assert "DESCRIPTION" not in event
        assert "ATTENDEE" not in event
    assert "LOCATION" not in events[private["id"]]
    assert str(events[shared["id"]]["LOCATION"]) == SHARED_VENUE  # the mediator chose to
    start = events[private["id"]].decoded("DTSTART")
    assert start == _utc(_local(days=2), ZURICH)

    # Attacks: no bearer, the chief, a colleague, another office.
    assert (await stack.gateway.get("/v1/calendar/sessions.ics")).status_code == 401
    guessed = await stack.gateway.get(
        "/v1/calendar/sessions.ics", headers={"Authorization": "Bearer not-a-token"}
    )
    assert guessed.status_code == 401
    chief = await stack.gateway.get("/v1/calendar/sessions.ics", headers=med.chief)
    assert chief.status_code == 403
    colleague = stack.auth("mediator", sub="mediator-ben", office=OFFICE)
    theirs = await stack.gateway.get("/v1/calendar/sessions.ics", headers=colleague)
    assert theirs.status_code == 200
    assert _events(theirs.text) == []
    path = f"/v1/mediations/{mediation_id}/sessions/{private['id']}/calendar.ics"
    assert (await stack.gateway.get(path, headers=colleague)).status_code == 403
    assert (await stack.gateway.get(path, headers=med.chief)).status_code == 403
    elsewhere = stack.auth("mediator", sub="mediator-geneva", office="geneva")
    assert (await stack.gateway.get(path, headers=elsewhere)).status_code == 404
    # Reassigned by the chief: the sessions follow the mediation into the new diary.
    base = f"/v1/mediations/{mediation_id}"
    declared = {"has_conflict": False}
    expect(await stack.gateway.post(f"{base}/declarations", json=declared, headers=colleague), 201)
    assigned = {"mediator": "mediator-ben"}
    expect(await stack.gateway.put(f"{base}/mediator", json=assigned, headers=med.chief), 200)
    now_theirs = await stack.gateway.get("/v1/calendar/sessions.ics", headers=colleague)
    assert len(_events(now_theirs.text)) == 2
    mine = await stack.gateway.get("/v1/calendar/sessions.ics", headers=med.mediator)
    assert _events(mine.text) == []
