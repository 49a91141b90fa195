"""Batch reads for list views: many cases of your office in one request, each read audited."""

from typing import Any

import pytest

from ombuds_shared.pagination import MAX_PAGE_SIZE
from ombuds_shared.tokens import Actor
from ombuds_testing import actor, bearer

from .conftest import Cases

HANDLER = actor("ombudsman", sub="omb-amani", office="unhcr")
WALK_IN = {
    "pillar": "unhcr",
    "location": "field_mission",
    "occupational_group": "national_officer",
    "intake_channel": "in_person",
}


def _as(cases: Cases, who: Actor) -> dict[str, str]:
    return bearer(cases.keys.user_token("cases", who))


async def _handled_case(cases: Cases, who: Actor, *codes: str) -> str:
    """A walk-in case of `who`'s office, taken by them, with these issues."""
    me = _as(cases, who)
    opened = await cases.client.post("/v1/cases", json=WALK_IN, headers=me)
    assert opened.status_code == 201, opened.text
    path = f"/v1/cases/{opened.json()['id']}"
    declared = await cases.client.post(
        f"{path}/conflict-declarations", json={"has_conflict": False}, headers=me
    )
    assert declared.status_code == 201, declared.text
    assert (await cases.client.post(f"{path}/assignment", json={}, headers=me)).status_code == 200
    for code in codes:
        recorded = await cases.client.post(f"{path}/issues", json={"code": code}, headers=me)
        assert recorded.status_code == 201, recorded.text
    return str(opened.json()["id"])


async def _batch(cases: Cases, route: str, ids: list[str], who: Actor) -> Any:
    return await cases.client.get(route, params={"case_id": ids}, headers=_as(cases, who))


async def test_issues_of_many_cases_in_one_request_in_the_order_asked(cases: Cases) -> None:
    first = await _handled_case(cases, HANDLER, "2.b", "4.a")
    second = await _handled_case(cases, HANDLER)
    elsewhere = await _handled_case(cases, actor("ombudsman", office="vienna"), "1.d")
    chief = actor("chief", office="unhcr")
    answer = await _batch(
        cases, "/v1/case-issues", [second, first, elsewhere, "not-a-case", first], chief
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    # Another office's case, like an unknown id, has no item; a repeated id comes once.
    assert [i["case_id"] for i in items] == [second, first]
    assert items[0]["records"] == []
    assert [(r["code"], r["category"]) for r in items[1]["records"]] == [("2.b", "2"), ("4.a", "4")]

    per_case = await cases.client.get(f"/v1/cases/{first}/issues", headers=_as(cases, chief))
    assert per_case.json() == items[1]["records"]


async def test_each_batch_route_answers_what_its_per_case_route_does(cases: Cases) -> None:
    case_id = await _handled_case(cases, HANDLER, "3.a")
    me = _as(cases, HANDLER)
    for step, body in (
        ("services", {"service": "consultation"}),
        ("referrals", {"formal_channel": "ethics_office"}),
        ("systemic-issues", {"systemic_issue": "fear_of_speaking_out"}),
        ("status", {"status": "in_progress"}),
    ):
        answer = await cases.client.post(f"/v1/cases/{case_id}/{step}", json=body, headers=me)
        assert answer.status_code in (200, 201), answer.text
    pairs = {
        "/v1/case-services": "services",
        "/v1/case-referrals": "referrals",
        "/v1/case-systemic-issues": "systemic-issues",
        "/v1/case-status-changes": "status-history",
    }
    for batch_route, per_case_route in pairs.items():
        batch = await _batch(cases, batch_route, [case_id], HANDLER)
        single = await cases.client.get(f"/v1/cases/{case_id}/{per_case_route}", headers=me)
        assert batch.json()["items"] == [{"case_id": case_id, "records": single.json()}]
    history = await _batch(cases, "/v1/case-assignments", [case_id], HANDLER)
    single = await cases.client.get(f"/v1/cases/{case_id}/assignments", headers=me)
    assert history.json()["items"] == [{"case_id": case_id, **single.json()}]
    assert history.json()["items"][0]["assigned_to"] == HANDLER.subject


async def test_every_case_read_in_a_batch_is_audited(cases: Cases) -> None:
    ids = [await _handled_case(cases, HANDLER, "2.b") for _ in range(3)]
    await _batch(cases, "/v1/case-issues", ids, HANDLER)
    auditor = _as(cases, actor("auditor"))
    for case_id in ids:
        log = await cases.client.get(
            "/v1/audit/cases", params={"case_id": case_id}, headers=auditor
        )
        reads = [e for e in log.json()["items"] if e["action"] == "issue.read"]
        assert [e["subject"] for e in reads] == [HANDLER.subject]


@pytest.mark.parametrize(
    ("ids", "status"),
    [([], 422), ([f"id-{n}" for n in range(MAX_PAGE_SIZE + 1)], 422)],
    ids=["none", "too-many"],
)
async def test_a_batch_names_one_to_a_page_of_cases(
    cases: Cases, ids: list[str], status: int
) -> None:
    answer = await _batch(cases, "/v1/case-issues", ids, HANDLER)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"


async def test_only_the_office_reads_batches(cases: Cases) -> None:
    case_id = await _handled_case(cases, HANDLER)
    for role in ("visitor", "mediator", "analyst", "auditor"):
        answer = await _batch(cases, "/v1/case-assignments", [case_id], actor(role))
        assert answer.status_code == 403, role


async def test_cases_list_oldest_first_with_its_own_cursors(cases: Cases) -> None:
    ids = [await _handled_case(cases, HANDLER) for _ in range(3)]
    me = _as(cases, HANDLER)
    seen: list[str] = []
    params: dict[str, Any] = {"order": "oldest_first", "limit": 2}
    for _ in range(3):  # bounded: three cases, two a page
        page = (await cases.client.get("/v1/cases", params=params, headers=me)).json()
        seen += [c["id"] for c in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == ids
    newest = await cases.client.get("/v1/cases", params={"limit": 1}, headers=me)
    assert newest.json()["items"][0]["id"] == ids[-1]
    mixed = await cases.client.get(
        "/v1/cases",
        params={"order": "oldest_first", "cursor": newest.json()["next_cursor"]},
        headers=me,
    )
    assert mixed.status_code == 422


@pytest.mark.parametrize(
    "route",
    ["/v1/case-issues", "/v1/case-services", "/v1/case-referrals", "/v1/case-systemic-issues",
     "/v1/case-status-changes", "/v1/case-assignments"],
)  # fmt: skip
async def test_values_that_cannot_be_case_ids_name_no_case(cases: Cases, route: str) -> None:
    # Found by fuzzing on PostgreSQL: a NUL in a text parameter was a 500.
    case_id = await _handled_case(cases, HANDLER)
    odd = ["\x00", "a\x00b", "\u53ef\r\u00c7", "\U0010fffe", case_id]
    answer = await _batch(cases, route, odd, HANDLER)
    assert answer.status_code == 200, answer.text
    assert [i["case_id"] for i in answer.json()["items"]] == [case_id]
