"""The systemic-issue register, through the running gateway: entries kept by the office, their
history, their evidence (counts only), and the chief's publication to the annual report."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from gateway.events.projection import Refused, project

from .cases_helpers import OFFICE, assigned_case, events, handler
from .conftest import Stack
from .graphql_support import attempt, graphql_as, run

THIS_YEAR = dt.datetime.now(dt.UTC).year
LAST_YEAR = THIS_YEAR - 1
REGISTER = "/v1/systemic-issues"


def chief(stack: Stack, office: str = OFFICE) -> dict[str, str]:
    return stack.auth("chief", sub=f"chief-of-{office}", office=office)


def entry_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Performance conversations avoided",
        "observation": "Managers and staff go through the motions of the appraisal cycle "
        "without the conversations it is meant to prompt.",
        "category": "performance_management",
        "offices": ["nairobi"],
        "pillars": ["secretariat"],
        "first_reported_year": LAST_YEAR,
        "recommendation": "Hold managers accountable for the quality of appraisal dialogue.",
    }
    return {**body, **changes}


async def created(stack: Stack, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    answer = await stack.gateway.post(REGISTER, json=entry_body(**changes), headers=headers)
    assert answer.status_code == 201, answer.text
    entry: dict[str, Any] = answer.json()
    return entry


async def report(stack: Stack, year: int = LAST_YEAR, **filters: str) -> str:
    answer = await stack.gateway.get(
        f"/v1/analytics/reports/annual/{year}", params=filters, headers=stack.auth("analyst")
    )
    assert answer.status_code == 200, answer.text
    return answer.text


async def report_shows(stack: Stack, text: str, *, shown: bool) -> str:
    """Waits (bounded) until the report does (or does not) show `text`; the relay is async."""
    page = ""
    for _ in range(300):
        page = await report(stack)
        if (text in page) is shown:
            return page
        await asyncio.sleep(0.1)
    raise AssertionError(f"the report {'never showed' if shown else 'still shows'} {text!r}")


async def test_an_entry_is_kept_by_the_office_with_every_change_in_its_history(
    stack: Stack,
) -> None:
    entry = await created(stack, chief(stack))
    assert entry["office"] == OFFICE
    assert entry["publishable"] is False
    assert entry["status_by_year"] == [{"year": LAST_YEAR, "status": "open"}]
    assert entry["current_status"] == "open"

    # An ombudsman of the office proposes the management's response and the follow-up.
    change = {
        "management_response": "A pilot of appraisal clinics was agreed.",
        "status_by_year": [{"year": LAST_YEAR, "status": "recommendation_made"},
                           {"year": THIS_YEAR, "status": "response_received"}],
    }  # fmt: skip
    edited = await stack.gateway.patch(
        f"{REGISTER}/{entry['id']}", json=change, headers=handler(stack)
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["current_status"] == "response_received"
    read = await stack.gateway.get(f"{REGISTER}/{entry['id']}", headers=handler(stack))
    assert read.status_code == 200
    assert read.json()["management_response"] == change["management_response"]

    history = await stack.gateway.get(f"{REGISTER}/{entry['id']}/history", headers=chief(stack))
    assert history.status_code == 200, history.text
    items = history.json()["items"]
    assert [(i["action"], i["changed_by"]) for i in items] == [
        ("created", "chief-of-nairobi"),
        ("edited", "omb-amani"),
    ]
    assert items[1]["changes"]["management_response"] == {
        "from": "", "to": change["management_response"]}  # fmt: skip
    assert items[1]["changes"]["status_by_year"]["from"] == [{"year": LAST_YEAR,
                                                              "status": "open"}]  # fmt: skip
    assert set(items[1]["changes"]) == {"management_response", "status_by_year"}

    listed = await stack.gateway.get(REGISTER, headers=handler(stack))
    assert entry["id"] in {e["id"] for e in listed.json()["items"]}


async def test_evidence_is_a_count_of_the_offices_tagged_cases_never_their_ids(
    stack: Stack,
) -> None:
    entry = await created(stack, chief(stack), category="fear_of_speaking_out")
    assert entry["evidence"] == []
    case_id = await assigned_case(stack)
    tagged = await stack.gateway.post(
        f"/v1/cases/{case_id}/systemic-issues",
        json={"systemic_issue": "fear_of_speaking_out"},
        headers=handler(stack),
    )
    assert tagged.status_code == 201, tagged.text
    read = await stack.gateway.get(f"{REGISTER}/{entry['id']}", headers=chief(stack))
    assert read.json()["evidence"] == [{"year": THIS_YEAR, "cases": 1}]
    assert case_id not in read.text
    # Another office's register counts only its own cases.
    elsewhere = await created(stack, chief(stack, "geneva"), category="fear_of_speaking_out",
                              offices=["geneva"])  # fmt: skip
    assert elsewhere["evidence"] == []


async def test_only_what_the_chief_publishes_reaches_the_annual_report(stack: Stack) -> None:
    title = "Fear of speaking out in field missions"
    entry = await created(stack, chief(stack), title=title, category="fear_of_speaking_out")
    path = f"{REGISTER}/{entry['id']}"
    await report_shows(stack, "Systemic issues reported to leadership", shown=True)
    assert title not in await report(stack)

    published = await stack.gateway.post(
        f"{path}/publication", json={"publishable": True}, headers=chief(stack)
    )
    assert published.status_code == 200, published.text
    assert published.json()["publishable"] is True
    page = await report_shows(stack, title, shown=True)
    assert entry["observation"] in page
    assert entry["recommendation"] in page
    assert f"status in {LAST_YEAR}: open" in page
    # A report for a pillar the entry does not concern leaves it out.
    assert title in await report(stack, pillar="secretariat")
    assert title not in await report(stack, pillar="unhcr")

    # Any edit withdraws it: the report carries only texts the chief approved.
    edited = await stack.gateway.patch(
        path, json={"observation": "Reworded, not yet approved."}, headers=handler(stack)
    )
    assert edited.status_code == 200
    assert edited.json()["publishable"] is False
    await report_shows(stack, title, shown=False)
    again = await stack.gateway.post(
        f"{path}/publication", json={"publishable": True}, headers=chief(stack)
    )
    assert again.status_code == 200
    assert "Reworded, not yet approved." in await report_shows(stack, title, shown=True)

    withdrawn = await stack.gateway.post(
        f"{path}/publication", json={"publishable": False}, headers=chief(stack)
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["publishable"] is False
    await report_shows(stack, title, shown=False)
    history = await stack.gateway.get(f"{path}/history", headers=chief(stack))
    assert [i["action"] for i in history.json()["items"]] == [
        "created", "published", "edited", "published", "withdrawn"]  # fmt: skip


async def test_only_the_chief_of_the_entrys_office_publishes_it(stack: Stack) -> None:
    entry = await created(stack, handler(stack))
    path = f"{REGISTER}/{entry['id']}"
    by_ombudsman = await stack.gateway.post(
        f"{path}/publication", json={"publishable": True}, headers=handler(stack)
    )
    assert by_ombudsman.status_code == 403
    other_chief = chief(stack, "geneva")
    attempts = [
        ("GET", path, None),
        ("PATCH", path, {"title": "Taken over"}),
        ("GET", f"{path}/history", None),
        ("POST", f"{path}/publication", {"publishable": True}),
    ]
    for method, route, body in attempts:
        answer = await stack.gateway.request(method, route, json=body, headers=other_chief)
        assert answer.status_code == 404, (method, route, answer.text)
    listed = await stack.gateway.get(REGISTER, headers=other_chief)
    assert entry["id"] not in {e["id"] for e in listed.json()["items"]}
    for role in ("visitor", "analyst", "registry", "auditor", "hr_portal", "mediator"):
        refused = await stack.gateway.get(REGISTER, headers=stack.auth(role, office=OFFICE))
        assert refused.status_code == 403, role


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "not_a_register_issue"}, "category"),
        ({"first_reported_year": THIS_YEAR + 1}, "first_reported_year"),
        ({"offices": ["atlantis"]}, "offices"),
        ({"status_by_year": [{"year": LAST_YEAR - 5, "status": "open"}]}, None),
        ({"status_by_year": [{"year": LAST_YEAR, "status": "forgotten"}]}, "status_by_year"),
    ],
)
async def test_bad_entries_are_refused_with_the_field_named(
    stack: Stack, change: dict[str, Any], field: str | None
) -> None:
    answer = await stack.gateway.post(REGISTER, json=entry_body(**change), headers=chief(stack))
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    named = [str(part) for e in problem.get("errors", []) for part in e["loc"]]
    if field is not None:
        assert field in named or problem.get("field") == field, problem


def test_only_the_cases_service_speaks_of_register_entries() -> None:
    event = {"entry_id": "e-1", "published_on": "2026-01-05", "title": "A title",
             "observation": "x", "category": "leadership", "offices": [], "pillars": [],
             "first_reported_year": 2025, "recommendation": "", "management_response": "",
             "status_by_year": [{"year": 2025, "status": "open"}]}  # fmt: skip

    def pseudonym(kind: str, value: str) -> str:
        return f"{kind}-{value}"

    projected = project(producer="cases", event_id="1", event_type="systemic_issue.published",
                        payload={**event, "case_id": "c-1", "visitor": "A name"},
                        pseudonym=pseudonym)  # fmt: skip
    assert set(projected["payload"]) == {
        "entry_key", "published_month", "title", "observation", "category", "offices",
        "pillars", "first_reported_year", "recommendation", "management_response",
        "status_by_year"}  # fmt: skip
    with pytest.raises(Refused):
        project(producer="mediation", event_id="1", event_type="systemic_issue.published",
                payload=event, pseudonym=pseudonym)  # fmt: skip
    with pytest.raises(Refused):
        project(producer="cases", event_id="1", event_type="systemic_issue.published",
                payload={**event, "status_by_year": [{"year": 2025, "status": "open",
                                                      "note": "x"}]},
                pseudonym=pseudonym)  # fmt: skip


async def test_graphql_keeps_and_publishes_entries_through_the_same_routes(stack: Stack) -> None:
    fields = "id title currentStatus publishable statusByYear { year status } evidence { cases }"
    async with graphql_as(stack, "ombudsman", sub="omb-amani", office=OFFICE) as ombudsman:
        made = await run(
            ombudsman,
            f"mutation($input: SystemicIssueInput!) {{ createSystemicIssue(input: $input) "
            f"{{ {fields} }} }}",
            {"input": {"title": "Sick-leave backlog", "observation": "Claims wait for months.",
                       "category": "sick_leave_administration",
                       "firstReportedYear": LAST_YEAR, "pillars": ["SECRETARIAT"]}},
        )  # fmt: skip
        entry = made["createSystemicIssue"]
        edited = await run(
            ombudsman,
            f'mutation {{ updateSystemicIssue(id: "{entry["id"]}", input: {{statusByYear: '
            f"[{{year: {LAST_YEAR}, status: RECOMMENDATION_MADE}}]}}) {{ {fields} }} }}",
        )
        assert edited["updateSystemicIssue"]["currentStatus"] == "RECOMMENDATION_MADE"
        _, errors = await attempt(
            ombudsman,
            f'mutation {{ setSystemicIssuePublication(id: "{entry["id"]}", publishable: true) '
            "{ id } }",
        )
        assert errors["setSystemicIssuePublication"]["extensions"]["problem"]["status"] == 403
    async with graphql_as(stack, "chief", sub="chief-of-nairobi", office=OFFICE) as chief_:
        published = await run(
            chief_,
            f'mutation {{ setSystemicIssuePublication(id: "{entry["id"]}", publishable: true) '
            f"{{ publishable }} }}",
        )
        assert published["setSystemicIssuePublication"]["publishable"] is True
        read = await run(
            chief_,
            f'{{ systemicIssue(id: "{entry["id"]}") {{ title publishable '
            "history { action changedBy changes { field before after } } } }",
        )
    rest = await stack.gateway.get(f"{REGISTER}/{entry['id']}", headers=chief(stack))
    assert rest.json()["title"] == read["systemicIssue"]["title"] == "Sick-leave backlog"
    assert rest.json()["publishable"] is read["systemicIssue"]["publishable"] is True
    rest_history = await stack.gateway.get(f"{REGISTER}/{entry['id']}/history",
                                           headers=chief(stack))  # fmt: skip
    assert [(c["action"], c["changed_by"]) for c in rest_history.json()["items"]] == [
        (c["action"], c["changedBy"]) for c in read["systemicIssue"]["history"]
    ]
    assert [c["action"] for c in read["systemicIssue"]["history"]] == [
        "created", "edited", "published"]  # fmt: skip


async def test_a_filter_or_an_id_out_of_shape_is_a_clean_refusal(stack: Stack) -> None:
    unknown = await stack.gateway.get(REGISTER, params={"category": "nope"}, headers=chief(stack))
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "category"
    for entry_id in ("not-an-entry", "0" * 36):
        missing = await stack.gateway.get(f"{REGISTER}/{entry_id}", headers=chief(stack))
        assert missing.status_code == 404, entry_id


async def test_publication_and_withdrawal_are_the_events_docs_events_md_lists(
    stack: Stack,
) -> None:
    entry = await created(stack, chief(stack))
    path = f"{REGISTER}/{entry['id']}/publication"
    for publishable in (True, True, False, False):  # the same answer twice sends nothing again
        answer = await stack.gateway.post(
            path, json={"publishable": publishable}, headers=chief(stack)
        )
        assert answer.status_code == 200, answer.text
    sent = await events(stack, entry["id"])
    assert [event_type for event_type, _ in sent] == [
        "systemic_issue.published", "systemic_issue.withdrawn"]  # fmt: skip
    assert set(sent[0][1]) == {
        "entry_id", "published_on", "title", "observation", "category", "offices", "pillars",
        "first_reported_year", "recommendation", "management_response", "status_by_year",
    }  # fmt: skip
    assert set(sent[1][1]) == {"entry_id", "withdrawn_on"}
    assert sent[0][1]["observation"] == entry["observation"]


async def test_an_edit_that_breaks_the_years_changes_nothing(stack: Stack) -> None:
    entry = await created(stack, chief(stack))
    path = f"{REGISTER}/{entry['id']}"
    later = await stack.gateway.patch(
        path, json={"first_reported_year": THIS_YEAR, "title": "Renamed"}, headers=chief(stack)
    )
    assert later.status_code == 422, later.text
    assert later.json()["field"] == "status_by_year"
    nothing = await stack.gateway.patch(path, json={"title": None}, headers=chief(stack))
    assert nothing.status_code == 422
    read = await stack.gateway.get(path, headers=chief(stack))
    assert read.json()["title"] == entry["title"]
    assert read.json()["first_reported_year"] == LAST_YEAR
    history = await stack.gateway.get(f"{path}/history", headers=chief(stack))
    assert [i["action"] for i in history.json()["items"]] == ["created"]
