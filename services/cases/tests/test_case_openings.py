"""Cases opened together are written together, each refused or accepted on its own."""

import asyncio
from pathlib import Path

from ombuds_testing import actor, bearer, stored_key_ids

from .conftest import Cases, opening_from_intake

CASE = {
    "pillar": "secretariat",
    "location": "headquarters",
    "occupational_group": "general_service",
    "intake_channel": "in_person",
}


def _key_store(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{(tmp_path / 'cases.keys.db').resolve()}"


async def _audited_openings(cases: Cases, case_id: str) -> list[str]:
    auditor = bearer(cases.keys.user_token("cases", actor("auditor")))
    log = await cases.client.get("/v1/audit/cases", params={"record_id": case_id}, headers=auditor)
    assert log.status_code == 200, log.text
    return [entry["action"] for entry in log.json()["items"] if entry["action"] == "case.open"]


async def test_openings_arriving_together_are_each_recorded_and_refused_alone(
    cases: Cases, tmp_path: Path
) -> None:
    geneva = bearer(cases.keys.user_token("cases", actor("ombudsman", office="geneva")))
    # An office the directory does not list as open: its opening alone is refused.
    nowhere = bearer(cases.keys.user_token("cases", actor("ombudsman", office="atlantis")))
    answers = await asyncio.gather(
        *(cases.client.post("/v1/cases", json=CASE, headers=geneva) for _ in range(12)),
        cases.client.post("/v1/cases", json=CASE, headers=nowhere),
    )
    *opened, refused = answers
    assert refused.status_code == 422, refused.text
    assert "atlantis" in refused.json()["detail"]
    assert [a.status_code for a in opened] == [201] * 12, [a.text for a in opened]
    ids = [a.json()["id"] for a in opened]
    assert len(set(ids)) == 12
    for answer in opened:
        case_id = answer.json()["id"]
        assert answer.headers["Location"] == f"/v1/cases/{case_id}"
        read = await cases.client.get(f"/v1/cases/{case_id}", headers=geneva)
        assert read.status_code == 200, read.text
        assert read.json() == answer.json()
        history = await cases.client.get(f"/v1/cases/{case_id}/status-history", headers=geneva)
        assert [step["status"] for step in history.json()] == ["opened"]
        assert await _audited_openings(cases, case_id) == ["case.open"]
    # A key per case opened; the refused opening's key is gone.
    assert sorted(await stored_key_ids(_key_store(tmp_path), "case:")) == sorted(
        f"case:{case_id}" for case_id in ids
    )


async def test_a_retried_acceptance_racing_itself_opens_one_case(
    cases: Cases, tmp_path: Path
) -> None:
    ombudsman = actor("ombudsman", office="unhcr")
    token = bearer(cases.keys.peer_token("intake", "cases", ombudsman))
    payload = opening_from_intake(conflicted=["omb-conflicted"])
    answers = await asyncio.gather(
        *(cases.client.post("/v1/internal/cases", json=payload, headers=token) for _ in range(6))
    )
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201], [a.text for a in answers]
    (case_id,) = {a.json()["id"] for a in answers}
    assert await _audited_openings(cases, case_id) == ["case.open"]
    assert await stored_key_ids(_key_store(tmp_path), "case:") == [f"case:{case_id}"]
