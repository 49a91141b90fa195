"""The mediation service on its own: fail-closed notes, racing transitions, the lookup cache."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from mediation.case import service as case_service
from mediation.case.schemas import ReferralAcceptance
from mediation.certificate import service as certificate_service
from mediation.certificate.cache import LookupCache
from mediation.config import MediationSettings
from mediation.state import mediation_state
from ombuds_shared.dependencies import settings_of, state_of
from ombuds_shared.errors import Conflict
from ombuds_testing import actor

from .conftest import Service

MEDIATOR = actor("mediator", sub="mediator-ana", office="mediation-service")


async def _started(service: Service) -> str:
    headers = service.auth(MEDIATOR)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    body = {
        "pillar": "secretariat",
        "referral_source": "dispute_tribunal",
        "tribunal_reference": {
            "tribunal": "dispute_tribunal",
            "case_number": "UNDT/T/1",
            "referral_date": today,
        },
        "parties": [{"reference": "P-1"}, {"reference": "P-2"}],
    }
    created = await service.client.post("/v1/mediations", json=body, headers=headers)
    assert created.status_code == 201, created.text
    path = f"/v1/mediations/{created.json()['id']}"
    assert (await service.client.post(f"{path}/accept", headers=headers)).status_code == 200
    for party in created.json()["parties"]:
        response = await service.client.post(
            f"{path}/parties/{party['id']}/agreement",
            json={"agrees": True, "on": today},
            headers=headers,
        )
        assert response.status_code == 200
    await service.client.post(f"{path}/declarations", json={"has_conflict": False}, headers=headers)
    assert (await service.client.put(f"{path}/mediator", json={}, headers=headers)).is_success
    started = await service.client.post(
        f"{path}/start", json={"started_on": today, "basis": "signed_agreement"}, headers=headers
    )
    assert started.status_code == 200, started.text
    return str(created.json()["id"])


async def test_notes_fail_closed_without_a_master_key(keyless_service: Service) -> None:
    mediation_id = await _started(keyless_service)
    path = f"/v1/mediations/{mediation_id}/notes"
    headers = keyless_service.auth(MEDIATOR)
    written = await keyless_service.client.post(path, json={"body": "x"}, headers=headers)
    assert written.status_code == 503
    assert (await keyless_service.client.get(path, headers=headers)).status_code == 503


async def test_two_racing_transitions_cannot_both_win(service: Service) -> None:
    headers = service.auth(MEDIATOR)
    body = {"pillar": "secretariat", "referral_source": "other"}
    created = await service.client.post("/v1/mediations", json=body, headers=headers)
    mediation_id = created.json()["id"]
    maker = state_of(service.app).session_maker
    settings = settings_of(service.app, MediationSettings)
    async with maker() as first, maker() as second:
        mine = await case_service.get(session=first, mediation_id=mediation_id)
        theirs = await case_service.get(session=second, mediation_id=mediation_id)
        assert mine is not None
        assert theirs is not None
        await case_service.accept_referral(
            session=first,
            mediation=mine,
            data=ReferralAcceptance(),
            settings=settings,
            actor=MEDIATOR,
        )
        # The second writer read the mediation while it was still `referred`.
        with pytest.raises(Conflict):
            await case_service.accept_referral(
                session=second,
                mediation=theirs,
                data=ReferralAcceptance(),
                settings=settings,
                actor=MEDIATOR,
            )
    read = await service.client.get(f"/v1/mediations/{mediation_id}", headers=headers)
    assert read.json()["status"] == "agreement_pending"


async def test_two_certificates_issued_at_once_cannot_both_be_current(service: Service) -> None:
    mediation_id = await _started(service)
    maker = state_of(service.app).session_maker
    keys = mediation_state(service.app).certificate_keys
    async with maker() as first, maker() as second:
        mine = await case_service.get(session=first, mediation_id=mediation_id)
        theirs = await case_service.get(session=second, mediation_id=mediation_id)
        assert mine is not None
        assert theirs is not None
        await certificate_service.issue(
            session=first,
            keys=keys,
            mediation=mine,
            actor=MEDIATOR,
            request_id=None,
            service_office="mediation-service",
        )
        with pytest.raises(Conflict):
            await certificate_service.issue(
                session=second,
                keys=keys,
                mediation=theirs,
                actor=MEDIATOR,
                request_id=None,
                service_office="mediation-service",
            )
    listing = await service.client.get(
        f"/v1/mediations/{mediation_id}/certificates", headers=service.auth(MEDIATOR)
    )
    assert [c["current"] for c in listing.json()] == [True]


def test_the_lookup_cache_expires_and_forgets_a_changed_case() -> None:
    cache = LookupCache(max_age_seconds=0.05)
    cache.put(("id", "c1"), b"one", "UNDT/1")
    cache.put(("number", "UNDT/1", None), b"list", "UNDT/1")
    cache.put(("id", "c2"), b"two", "UNDT/2")
    assert cache.get(("id", "c1")) == b"one"
    cache.forget("UNDT/1")
    assert cache.get(("id", "c1")) is None
    assert cache.get(("number", "UNDT/1", None)) is None
    assert cache.get(("id", "c2")) == b"two"
    deadline = time.monotonic() + 2
    while cache.get(("id", "c2")) is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get(("id", "c2")) is None
    disabled = LookupCache(max_age_seconds=0)
    disabled.put(("id", "c1"), b"one", "UNDT/1")
    assert disabled.get(("id", "c1")) is None


async def test_mediations_list_oldest_first_with_its_own_cursors(service: Service) -> None:
    headers = service.auth(MEDIATOR)
    body = {"pillar": "unhcr", "referral_source": "self_referral"}
    ids = []
    for _ in range(3):
        created = await service.client.post("/v1/mediations", json=body, headers=headers)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    seen: list[str] = []
    params: dict[str, str | int] = {"order": "oldest_first", "limit": 2}
    for _ in range(3):  # bounded: three mediations, two a page
        page = (await service.client.get("/v1/mediations", params=params, headers=headers)).json()
        seen += [m["id"] for m in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == ids
    newest = await service.client.get("/v1/mediations", params={"limit": 1}, headers=headers)
    assert newest.json()["items"][0]["id"] == ids[-1]
    mixed = await service.client.get(
        "/v1/mediations",
        params={"order": "oldest_first", "cursor": newest.json()["next_cursor"]},
        headers=headers,
    )
    assert mixed.status_code == 422
