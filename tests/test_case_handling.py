"""An ombudsman's case from opening to closure, through the gateway with real tokens."""

from __future__ import annotations

import datetime as dt

from .cases_helpers import OFFICE, assigned_case, events, handler, opened_case
from .conftest import Stack

# The payload fields of each case event, exactly as docs/events.md lists them.
EVENT_FIELDS = {
    "case.opened": {"case_id", "opened_on", "pillar", "office", "location",
                    "occupational_group", "intake_channel", "is_group", "participant_count"},
    "case.issue_recorded": {"case_id", "issue_code", "category", "taxonomy_version",
                            "recorded_on"},
    "case.service_given": {"case_id", "service", "given_on"},
    "case.status_changed": {"case_id", "status", "changed_on"},
    "case.closed": {"case_id", "closed_on", "closure_reason", "days_open"},
    "case.systemic_issue_tagged": {"case_id", "systemic_issue", "tagged_on"},
    "case.referral_made": {"case_id", "formal_channel", "referred_on"},
    "case.contact_logged": {"case_id", "contacted_on", "medium", "duration_minutes",
                            "participants"},
}  # fmt: skip


async def test_a_case_from_opening_to_closure(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    base = f"/v1/cases/{case_id}"
    opened_on = dt.datetime.now(dt.UTC).date().isoformat()
    steps = [
        (f"{base}/issues", {"code": "2.b"}),
        (f"{base}/issues", {"code": "4.a"}),
        (f"{base}/services", {"service": "consultation"}),
        # A service is dated between the case's opening and today (tests/test_dated_steps.py).
        (f"{base}/services", {"service": "coaching", "given_on": opened_on}),
        (f"{base}/referrals", {"formal_channel": "ethics_office"}),
        (f"{base}/systemic-issues", {"systemic_issue": "fear_of_speaking_out"}),
        (f"{base}/status", {"status": "in_progress"}),
        (f"{base}/status", {"status": "on_hold"}),
        (f"{base}/status", {"status": "closed", "closure_reason": "resolved"}),
    ]
    for url, body in steps:
        response = await stack.gateway.post(url, json=body, headers=me)
        assert response.status_code in (200, 201), (url, response.text)
    case = (await stack.gateway.get(base, headers=me)).json()
    assert case["status"] == "closed"
    assert case["closure_reason"] == "resolved"
    assert case["assigned_to"] == "omb-amani"
    history = (await stack.gateway.get(f"{base}/status-history", headers=me)).json()
    assert [h["status"] for h in history] == ["opened", "in_progress", "on_hold", "closed"]
    issues = (await stack.gateway.get(f"{base}/issues", headers=me)).json()
    assert [(i["code"], i["category"]) for i in issues] == [("2.b", "2"), ("4.a", "4")]
    chief = stack.auth("chief", office=OFFICE)
    services = (await stack.gateway.get(f"{base}/services", headers=chief)).json()
    assert [s["service"] for s in services] == ["consultation", "coaching"]
    # A closed case stays closed.
    again = await stack.gateway.post(f"{base}/status", json={"status": "in_progress"}, headers=me)
    assert again.status_code == 409

    written = await events(stack, case_id)
    assert [t for t, _ in written] == [
        "case.opened", "case.issue_recorded", "case.issue_recorded", "case.service_given",
        "case.service_given", "case.referral_made", "case.systemic_issue_tagged",
        "case.status_changed", "case.status_changed", "case.status_changed", "case.closed",
    ]  # fmt: skip
    for event_type, payload in written:
        assert set(payload) == EVENT_FIELDS[event_type], event_type
        assert payload["case_id"] == case_id
    payloads = dict(written)
    assert payloads["case.opened"]["office"] == OFFICE
    assert payloads["case.closed"]["closure_reason"] == "resolved"
    given = [p["given_on"] for t, p in written if t == "case.service_given"]
    assert opened_on in given
    assert "Jonas" not in repr(written)


async def test_bad_input_is_refused_with_problem_details(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    me = handler(stack)
    base = f"/v1/cases/{case_id}"
    tomorrow_plus = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    for url, body in [
        (f"{base}/issues", {"code": "2.zz"}),
        (f"{base}/issues", {"code": "9.z"}),  # well-formed but not in the taxonomy
        (f"{base}/services", {"service": "arbitration"}),
        (f"{base}/services", {"service": "options", "given_on": tomorrow_plus}),
        (f"{base}/systemic-issues", {"systemic_issue": "weather"}),
        (f"{base}/status", {"status": "closed"}),
        (f"{base}/status", {"status": "on_hold", "closure_reason": "resolved"}),
        ("/v1/cases", {"pillar": "unhcr", "location": "field_mission",
                       "occupational_group": "non_staff", "intake_channel": "in_person",
                       "participant_count": 5}),
    ]:  # fmt: skip
        response = await stack.gateway.post(url, json=body, headers=me)
        assert response.status_code == 422, (url, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    duplicate = await stack.gateway.post(f"{base}/issues", json={"code": "2.b"}, headers=me)
    assert duplicate.status_code == 201
    twice = await stack.gateway.post(f"{base}/issues", json={"code": "2.b"}, headers=me)
    assert twice.status_code == 409


async def test_group_case_opened_directly_and_searched(stack: Stack) -> None:
    me = handler(stack)
    group = await stack.gateway.post(
        "/v1/cases",
        json={"pillar": "secretariat", "location": "headquarters",
              "occupational_group": "general_service", "intake_channel": "in_person",
              "is_group": True, "participant_count": 12},
        headers=me,
    )  # fmt: skip
    assert group.status_code == 201, group.text
    assert group.json()["participant_count"] == 12
    assert group.json()["visitor_ref"] is None
    group_id = group.json()["id"]
    other = await assigned_case(stack)
    await stack.gateway.post(f"/v1/cases/{other}/issues", json={"code": "6.i"}, headers=me)

    async def ids(**params: str) -> set[str]:
        page = await stack.gateway.get("/v1/cases", params=params, headers=me)
        assert page.status_code == 200, page.text
        return {c["id"] for c in page.json()["items"]}

    today = dt.date.today().isoformat()
    assert await ids() == {group_id, other}
    assert await ids(assignee="omb-amani") == {other}
    assert await ids(issue_category="6") == {other}
    assert await ids(issue_category="6.i") == {other}
    assert await ids(issue_category="2") == set()
    assert await ids(status="opened", opened_from=today, opened_to=today) == {group_id, other}
    assert await ids(opened_to="2020-01-01") == set()
    first = (await stack.gateway.get("/v1/cases", params={"limit": "1"}, headers=me)).json()
    rest = await stack.gateway.get(
        "/v1/cases", params={"limit": "5", "cursor": first["next_cursor"]}, headers=me
    )
    assert {c["id"] for c in first["items"] + rest.json()["items"]} == {group_id, other}
    elsewhere = stack.auth("chief", office="vienna")
    assert (await stack.gateway.get("/v1/cases", headers=elsewhere)).json()["items"] == []
    bad = await stack.gateway.get("/v1/cases", params={"issue_category": "x"}, headers=me)
    assert bad.status_code == 422


async def test_only_the_assigned_ombudsman_changes_the_case(stack: Stack) -> None:
    case_id = await assigned_case(stack)
    colleague = handler(stack, sub="omb-colleague")
    refused = await stack.gateway.post(
        f"/v1/cases/{case_id}/issues", json={"code": "2.b"}, headers=colleague
    )
    assert refused.status_code == 403
    read = await stack.gateway.get(f"/v1/cases/{case_id}", headers=colleague)
    assert read.status_code == 200  # the office reads case metadata
    unassigned = await opened_case(stack, visitor="visitor-two")
    nobody = await stack.gateway.post(
        f"/v1/cases/{unassigned}/status", json={"status": "in_progress"}, headers=handler(stack)
    )
    assert nobody.status_code == 403
