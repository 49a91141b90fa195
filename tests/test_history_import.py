"""An office's history imported through the gateway: cases land in their own years in
analytics, a second import changes nothing, and bad records are answered one by one."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from cases.case.schemas import ClosureReason
from cases.issue_coding.schemas import FormalChannel, ServiceKind
from ombuds.cli import main
from ombuds_shared import history as history_schema
from ombuds_shared.db import create_engine
from ombuds_shared.history import parse_record
from ombuds_shared.vocabulary import Outcome, ReferralSource, SessionMode

from .cases_helpers import query
from .conftest import Stack
from .mediation_support import Mediations
from .pipeline import served_gateway

THIS_YEAR = dt.datetime.now(dt.UTC).year
# Three closed years (published), each with enough cases to pass small-cell suppression.
HISTORY = {THIS_YEAR - 3: 6, THIS_YEAR - 2: 7, THIS_YEAR - 1: 8}
ROUTE = "/v1/imports/cases"


def past_case(n: int, year: int, **changes: Any) -> dict[str, Any]:
    """A case of the old system, opened and closed in `year`."""
    opened = dt.date(year, 3, 1) + dt.timedelta(days=n)
    record: dict[str, Any] = {
        "source_system": "legacy",
        "source_id": f"C-{year}-{n:04d}",
        "office": "nairobi",
        "pillar": "secretariat",
        "location": "field_mission",
        "occupational_group": "field_service",
        "intake_channel": "email",
        "submitted_on": (opened - dt.timedelta(days=2)).isoformat(),
        "opened_on": opened.isoformat(),
        "issues": [{"code": "2.b"}, {"code": "4.e", "recorded_on": _day(opened, 3)}],
        "services": [{"service": "options", "given_on": _day(opened, 5)}],
        "status_changes": [{"status": "in_progress", "changed_on": _day(opened, 1)}],
        "referrals": [{"formal_channel": "ethics_office", "referred_on": _day(opened, 6)}],
        "systemic_issues": [{"systemic_issue": "fear_of_speaking_out"}],
        "closed_on": _day(opened, 30),
        "closure_reason": "resolved",
    }
    record.update(changes)
    return record


def _day(start: dt.date, days: int) -> str:
    return (start + dt.timedelta(days=days)).isoformat()


def history() -> list[dict[str, Any]]:
    return [past_case(n, year) for year, count in HISTORY.items() for n in range(count)]


async def _import(stack: Stack, records: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    answer = await stack.gateway.post(
        ROUTE, json={"records": records, **options}, headers=stack.auth("administrator")
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _outcomes(answer: dict[str, Any]) -> list[str]:
    return [result["outcome"] for result in answer["results"]]


async def _drained(stack: Stack) -> None:
    """Waits (bounded) until the cases relay has delivered every outbox row."""
    async with httpx.AsyncClient(base_url=stack.urls["cases"], timeout=5) as client:
        for _ in range(300):
            backlog = (await client.get("/v1/internal/outbox")).json()
            if backlog["pending"] == 0:
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"the cases relay did not drain: {backlog}")


async def _opened_per_year(stack: Stack) -> list[Any]:
    answer = await stack.gateway.get(
        "/v1/analytics/statistics/cases-opened",
        params={"from_year": min(HISTORY), "to_year": max(HISTORY)},
        headers=stack.auth("analyst"),
    )
    assert answer.status_code == 200, answer.text
    return [row["cells"]["total"]["count"] for row in answer.json()["rows"]]


async def test_a_history_is_counted_in_its_own_years_and_a_second_import_changes_nothing(
    stack: Stack,
) -> None:
    records = history()
    bad = [
        past_case(90, THIS_YEAR - 1, office="atlantis"),
        past_case(91, THIS_YEAR - 1, issues=[{"code": "2.z"}]),
        past_case(92, THIS_YEAR - 1, closed_on=f"{THIS_YEAR - 2}-01-01"),
        past_case(93, THIS_YEAR - 1, services=[{"service": "options", "given_on": "2099-01-01"}]),
        past_case(94, 2009),  # Nairobi's branch opened in 2010
    ]
    answer = await _import(stack, records[:10] + bad + records[10:])
    outcomes = _outcomes(answer)
    assert outcomes.count("created") == len(records)
    assert outcomes[10:15] == ["invalid"] * 5
    fields = [{e["field"] for e in r["errors"]} for r in answer["results"][10:15]]
    assert fields == [{"office"}, {"issues.0.code"}, {"closed_on"},
                      {"services.0.given_on"}, {"opened_on"}]  # fmt: skip
    assert {r["status"] for r in answer["results"][10:15]} == {422}

    await _drained(stack)
    assert await _opened_per_year(stack) == list(HISTORY.values())

    # The same file again: nothing changes; a record changed since is a conflict (409).
    changed = past_case(0, THIS_YEAR - 1, closure_reason="referred")
    again = await _import(stack, [*records, changed])
    assert _outcomes(again) == ["unchanged"] * len(records) + ["conflict"]
    assert again["results"][-1]["status"] == 409
    await _drained(stack)
    assert await _opened_per_year(stack) == list(HISTORY.values())

    # The office sees its cases with their original dates and history.
    chief = stack.auth("chief", office="nairobi")
    listed = await stack.gateway.get(
        "/v1/cases", params={"opened_to": f"{THIS_YEAR - 1}-12-31", "limit": 100}, headers=chief
    )
    cases = listed.json()["items"]
    assert len(cases) == len(records)
    assert {c["opened_at"][:4] for c in cases} == {str(y) for y in HISTORY}
    assert {c["status"] for c in cases} == {"closed"}
    steps = await stack.gateway.get(f"/v1/cases/{cases[0]['id']}/status-history", headers=chief)
    assert [s["status"] for s in steps.json()] == ["opened", "in_progress", "closed"]
    referrals = await stack.gateway.get(f"/v1/cases/{cases[0]['id']}/referrals", headers=chief)
    assert [r["formal_channel"] for r in referrals.json()] == ["ethics_office"]
    tags = await stack.gateway.get(f"/v1/cases/{cases[0]['id']}/systemic-issues", headers=chief)
    assert [t["systemic_issue"] for t in tags.json()] == ["fear_of_speaking_out"]


async def test_a_dry_run_checks_everything_and_writes_nothing(stack: Stack) -> None:
    records = history()[:3]
    dry = await _import(stack, [*records, past_case(9, THIS_YEAR - 1, office="atlantis")],
                        dry_run=True)  # fmt: skip
    assert dry["dry_run"] is True
    assert _outcomes(dry) == ["created"] * 3 + ["invalid"]
    listed = await stack.gateway.get("/v1/cases", headers=stack.auth("chief", office="nairobi"))
    assert listed.json()["items"] == []
    # Nothing was remembered either: the real import creates them.
    assert _outcomes(await _import(stack, records)) == ["created"] * 3


async def test_only_the_administrator_imports(stack: Stack) -> None:
    for role in ("chief", "ombudsman", "analyst", "auditor"):
        answer = await stack.gateway.post(
            ROUTE, json={"records": history()[:1]}, headers=stack.auth(role, office="nairobi")
        )
        assert answer.status_code == 403, role


async def test_ombuds_import_reports_bad_lines_and_imports_the_good_ones(
    stack: Stack, tmp_path: Path
) -> None:
    good = history()[:6]
    lines = [json.dumps(r) for r in good[:3]]
    lines += ["", "{not json", json.dumps(past_case(7, THIS_YEAR - 1, office="atlantis"))]
    lines += [json.dumps(r) for r in good[3:]]
    source = tmp_path / "history.jsonl"
    source.write_text("\n".join(lines) + "\n")
    report = tmp_path / "report.jsonl"
    chief = stack.auth("chief", office="nairobi")

    async with served_gateway(stack) as gateway:

        def ombuds_import(*options: str) -> int:
            token = stack.token("administrator")
            return main(["import", str(source), "--gateway", gateway.url,
                         "--report", str(report), "--token", token, *options])  # fmt: skip

        # All or nothing: the bad lines stop the whole file, and nothing is written.
        assert await asyncio.to_thread(ombuds_import, "--all-or-nothing") == 1
        assert (await stack.gateway.get("/v1/cases", headers=chief)).json()["items"] == []
        # Otherwise the good lines go in and the bad ones are reported, by line and field.
        assert await asyncio.to_thread(ombuds_import) == 1
        entries = [json.loads(line) for line in report.read_text().splitlines()]
        assert [(e["line"], e["status"], e["errors"][0]["field"]) for e in entries[:-1]] == [
            (5, 422, "record"), (6, 422, "office")]  # fmt: skip
        assert entries[-1]["summary"] | {"seconds": 0} == {
            "lines": 8, "created": 6, "unchanged": 0, "conflict": 0, "invalid": 2,
            "dry_run": False, "written": True, "seconds": 0}  # fmt: skip
        listed = await stack.gateway.get("/v1/cases", headers=chief)
        assert len(listed.json()["items"]) == 6
        # A dry run of the same file: everything is checked, all is unchanged already.
        assert await asyncio.to_thread(ombuds_import, "--dry-run") == 1
        summary = json.loads(report.read_text().splitlines()[-1])["summary"]
        assert (summary["unchanged"], summary["written"]) == (6, False)

        # The same history as CSV, lists in one cell each.
        csv_file = tmp_path / "history.csv"
        csv_file.write_text(
            "source_id,office,pillar,location,occupational_group,opened_on,issues,services,"
            "status_changes,closed_on,closure_reason\n"
            f"K-1,nairobi,secretariat,headquarters,general_service,{THIS_YEAR - 2}-05-02,"
            f"2.b;4.e,options@{THIS_YEAR - 2}-05-03,in_progress@{THIS_YEAR - 2}-05-04,"
            f"{THIS_YEAR - 2}-06-01,resolved\n"
            f"K-2,nairobi,secretariat,headquarters,general_service,{THIS_YEAR - 2}-05-02,"
            f"2.z,,,{THIS_YEAR - 2}-06-01,resolved\n"
        )
        source = csv_file
        assert await asyncio.to_thread(ombuds_import) == 1
        entries = [json.loads(line) for line in report.read_text().splitlines()]
        assert [(e["line"], e["errors"][0]["field"]) for e in entries[:-1]] == [
            (3, "issues.0.code")]  # fmt: skip
        assert entries[-1]["summary"]["created"] == 1


def test_the_documented_example_and_vocabularies_hold() -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "import-example.jsonl"
    for line in example.read_text().splitlines():
        record, errors = parse_record(json.loads(line))
        assert record is not None, errors

    # The import speaks the services' own vocabularies: its fields are typed with them.
    def typed(model: Any, name: str) -> Any:
        return model.model_fields[name].annotation

    assert typed(history_schema.HistoricService, "service") is ServiceKind
    assert typed(history_schema.HistoricCase, "closure_reason") == ClosureReason | None
    assert typed(history_schema.HistoricReferral, "formal_channel") is FormalChannel
    assert typed(history_schema.HistoricMediation, "referral_source") is ReferralSource
    assert typed(history_schema.HistoricMediation, "outcome") == Outcome | None
    assert typed(history_schema.HistoricSession, "mode") is SessionMode


async def test_an_imported_visitor_is_sealed_in_the_vault_and_read_by_the_handler_only(
    stack: Stack,
) -> None:
    name, email = "Wanjiru Kamau-Import", "wanjiru.import@example.org"
    identity = {"name": name, "email": email, "staff_index_number": "88123"}
    with_identity = past_case(1, THIS_YEAR - 1, source_id="V-1", closed_on=None,
                              closure_reason=None, visitor=identity)  # fmt: skip
    unreachable = past_case(2, THIS_YEAR - 1, source_id="V-2", visitor={"name": "No Contact"})
    answer = await _import(stack, [with_identity, unreachable])
    assert _outcomes(answer) == ["created", "invalid"]
    assert answer["results"][1]["errors"][0]["field"] == "visitor"
    assert "case_id" not in answer["results"][0]  # the administrator learns no case id

    chief = stack.auth("chief", office="nairobi")
    (case,) = (await stack.gateway.get("/v1/cases", headers=chief)).json()["items"]
    assert case["visitor_ref"].startswith("vis_")
    # The chief never reads it; the ombudsman who takes the case does, through the case.
    assert (await stack.gateway.get(f"/v1/cases/{case['id']}/visitor", headers=chief)
            ).status_code == 403  # fmt: skip
    me = stack.auth("ombudsman", sub="omb-import", office="nairobi")
    declared = await stack.gateway.post(f"/v1/cases/{case['id']}/conflict-declarations",
                                        json={"has_conflict": False}, headers=me)  # fmt: skip
    assert declared.status_code == 201, declared.text
    taken = await stack.gateway.post(f"/v1/cases/{case['id']}/assignment", json={}, headers=me)
    assert taken.status_code == 200, taken.text
    revealed = await stack.gateway.get(f"/v1/cases/{case['id']}/visitor", headers=me)
    assert revealed.status_code == 200, revealed.text
    assert (revealed.json()["name"], revealed.json()["email"]) == (
        name, email)  # fmt: skip
    # Importing it again seals nothing more; the identity is nowhere but sealed in intake.
    assert _outcomes(await _import(stack, [with_identity])) == ["unchanged"]
    await _drained(stack)
    for service in ("cases", "analytics", "intake"):
        dump = json.dumps(await _all_rows(stack.database_urls[service]), default=str)
        for secret in (name, email, "88123"):
            assert secret not in dump, service
    visitors = await query(stack.database_urls["intake"],
                           "SELECT bound_kind, bound_id, bound_office FROM visitor")  # fmt: skip
    assert visitors == [{"bound_kind": "case", "bound_id": case["id"], "bound_office": "nairobi"}]


async def _all_rows(url: str) -> list[Any]:
    """Every row of every table of a database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: sa_inspect(c).get_table_names())
            rows: list[Any] = []
            for table in names:
                result = await connection.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
                rows += [list(row) for row in result]
            return rows
    finally:
        await engine.dispose()


MEDIATIONS = {THIS_YEAR - 3: 5, THIS_YEAR - 2: 6, THIS_YEAR - 1: 7}


def past_mediation(n: int, year: int, **changes: Any) -> dict[str, Any]:
    """A settled tribunal mediation of the old system, in `year`."""
    opened = dt.date(year, 4, 1) + dt.timedelta(days=n)
    record: dict[str, Any] = {
        "kind": "mediation", "source_system": "legacy", "source_id": f"M-{year}-{n:04d}",
        "pillar": "secretariat", "referral_source": "dispute_tribunal",
        "tribunal_reference": {"tribunal": "dispute_tribunal",
                               "case_number": f"UNDT/NY/{year}/{n:03d}",
                               "referral_date": _day(opened, -3)},
        "issue_codes": ["2.b"], "opened_on": opened.isoformat(),
        "parties": [{"agreement": "agreed", "responded_on": _day(opened, 2)},
                    {"represents_administration": True, "agreement": "agreed",
                     "responded_on": _day(opened, 4)}],
        "started_on": _day(opened, 7),
        "sessions": [{"held_on": _day(opened, 7), "mode": "in_person"},
                     {"held_on": _day(opened, 14), "mode": "remote"}],
        "closed_on": _day(opened, 30), "outcome": "settled",
        "settlement_signed_on": _day(opened, 30),
    }  # fmt: skip
    record.update(changes)
    return record


async def test_mediations_and_cases_of_one_file_land_in_their_own_years(
    stack: Stack, tmp_path: Path
) -> None:
    mediations = [past_mediation(n, y) for y, count in MEDIATIONS.items() for n in range(count)]
    year = THIS_YEAR - 1
    bad = [
        past_mediation(90, year, sessions=[{"held_on": f"{year}-04-01", "mode": "remote"}]),
        past_mediation(91, year, started_on=None, sessions=[], settlement_signed_on=None),
        past_mediation(92, year, office="atlantis"),
        past_mediation(93, year, started_on=None, sessions=[], settlement_signed_on=None,
                       outcome="party_declined"),
    ]  # fmt: skip
    source = tmp_path / "mixed.jsonl"
    lines = [*mediations[:4], *history()[:2], *bad, *mediations[4:]]
    source.write_text("".join(json.dumps(record) + "\n" for record in lines))
    report = tmp_path / "report.jsonl"
    async with served_gateway(stack) as gateway:
        arguments = ["import", str(source), "--gateway", gateway.url, "--report", str(report),
                     "--token", stack.token("administrator")]  # fmt: skip
        assert await asyncio.to_thread(main, arguments) == 1
        entries = [json.loads(line) for line in report.read_text().splitlines()]
        problems = {e["line"]: {err["field"] for err in e["errors"]} for e in entries[:-1]}
        assert problems == {7: {"sessions.0.held_on"}, 8: {"outcome"}, 9: {"office"},
                            10: {"outcome"}}  # fmt: skip
        assert entries[-1]["summary"]["created"] == len(mediations) + 2
        # Again: nothing changes.
        assert await asyncio.to_thread(main, arguments) == 1
        summary = json.loads(report.read_text().splitlines()[-1])["summary"]
        assert (summary["created"], summary["unchanged"]) == (0, len(mediations) + 2)

    async with httpx.AsyncClient(base_url=stack.urls["mediation"], timeout=5) as client:
        for _ in range(300):
            if (await client.get("/v1/internal/outbox")).json()["pending"] == 0:
                break
            await asyncio.sleep(0.1)
    answer = await stack.gateway.get(
        "/v1/analytics/statistics/mediation-opened",
        params={"from_year": min(MEDIATIONS), "to_year": max(MEDIATIONS)},
        headers=stack.auth("analyst"),
    )
    opened = [row["cells"]["opened"]["count"] for row in answer.json()["rows"]]
    assert opened == list(MEDIATIONS.values())
    chief = stack.auth("chief", office="mediation-service")
    listed = (await stack.gateway.get("/v1/mediations", headers=chief)).json()["items"]
    assert len(listed) == len(mediations)
    one = (await stack.gateway.get(f"/v1/mediations/{listed[0]['id']}", headers=chief)).json()
    assert (one["status"], one["outcome"], len(one["sessions"])) == ("closed", "settled", 2)
    assert [p["agreement"] for p in one["parties"]] == ["agreed", "agreed"]


async def test_an_imported_partys_identity_is_sealed_and_read_by_the_assigned_mediator_only(
    stack: Stack,
) -> None:
    rosa = {"name": "Rosa Import-Martens", "role": "applicant", "email": "rosa.import@example.org"}
    hr = {"name": "Hugo Import-Reyes", "role": "administration (HR)", "phone": "+1 212 555 0199"}
    year = THIS_YEAR - 1
    parties = [{"identity": rosa}, {"identity": hr, "represents_administration": True}]
    opened = past_mediation(1, year, started_on=None, sessions=[], closed_on=None, outcome=None,
                            settlement_signed_on=None, parties=parties)  # fmt: skip
    nameless = {"name": "X", "role": "y"}  # no way to reach them
    responded = f"{year}-04-04"
    unreachable = past_mediation(2, year, parties=[
        {"agreement": "agreed", "responded_on": responded, "identity": nameless},
        {"agreement": "agreed", "responded_on": responded}])  # fmt: skip
    answer = await stack.gateway.post(
        "/v1/imports/mediations", json={"records": [opened, unreachable]},
        headers=stack.auth("administrator"),
    )  # fmt: skip
    assert _outcomes(answer.json()) == ["created", "invalid"], answer.text
    assert answer.json()["results"][1]["errors"][0]["field"] == "parties.0.identity"

    med = Mediations(stack)
    (mediation,) = (await stack.gateway.get("/v1/mediations", headers=med.chief)).json()["items"]
    assert mediation["status"] == "agreement_pending"
    assert (await stack.gateway.get(f"/v1/mediations/{mediation['id']}/parties",
                                    headers=med.chief)).status_code == 403  # fmt: skip
    await med.assign_self(mediation["id"])
    parties = await stack.gateway.get(f"/v1/mediations/{mediation['id']}/parties",
                                      headers=med.mediator)  # fmt: skip
    assert parties.status_code == 200, parties.text
    assert [p["identity"]["name"] for p in parties.json()["items"]] == [rosa["name"], hr["name"]]
    # Again: unchanged, nothing sealed twice; no name anywhere but sealed in the vault.
    again = await stack.gateway.post("/v1/imports/mediations", json={"records": [opened]},
                                     headers=stack.auth("administrator"))  # fmt: skip
    assert _outcomes(again.json()) == ["unchanged"]
    for service in ("mediation", "analytics", "intake"):
        dump = json.dumps(await _all_rows(stack.database_urls[service]), default=str)
        for secret in (rosa["name"], rosa["email"], hr["name"], hr["phone"]):
            assert secret not in dump, service
    sealed = await query(stack.database_urls["intake"], "SELECT mediation_id FROM mediation_party")
    assert sealed == [{"mediation_id": mediation["id"]}] * 2
