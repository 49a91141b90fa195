"""The identity canary: identities go in at intake, cases and mediations live their whole
lives, and then nothing of them is found in analytics: not in its database, not in its
logs, not in any answer it gives.

To extend at integration: add the real case and mediation workflows to `_drive` (their
services then emit through their own outboxes); the searches stay as they are.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import inspect, text

from analytics.db import Base as AnalyticsBase
from analytics.statistics.service import STATISTICS
from ombuds_shared.db import create_engine
from ombuds_shared.logs import JsonFormatter
from ombuds_shared.tokens import mint_exit_survey_token
from ombuds_testing import TestDatabases, TestKeys

from .conftest import Stack, intake_body
from .mediation_support import Mediations, expect, today
from .pipeline import case_life, mediation_life, new_id, producer, served_gateway

VISITORS = [
    {"name": "Zebulon Quillfeather", "email": "zebulon.quillfeather@example.org",
     "staff_index_number": "QX-90817", "sub": "idp-sub-zebulon-7731"},
    {"name": "Marisol Vantongeren", "email": "m.vantongeren@example.net",
     "staff_index_number": "VT-44120", "sub": "idp-sub-marisol-5519"},
]  # fmt: skip
# The parties of mediations (one speaks for the administration): sealed in intake's vault.
PARTIES = [
    {"name": "Octavia Brightwater-Nesbitt", "email": "o.brightwater@example.org",
     "role": "Chief of Section, Quillon Division", "phone": "+41 22 555 0193"},
    {"name": "Thaddeus Ormsby-Vlasic", "email": "thaddeus.ormsby@example.net",
     "role": "Administration representative, Zephyr Unit", "phone": "+1 212 555 0147"},
]  # fmt: skip
REGISTER_TITLE = "Speaking up in small duty stations"
OUTCOMES = ["settled", "not_settled", "party_declined", "resolved_before_mediation", "withdrawn"]


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter("any"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The services share this process; only the test's own HTTP client (httpx) is
        # left out, as it logs the URLs the test itself calls.
        if record.name != "httpx":
            self.lines.append(self.format(record))


async def _drive(stack: Stack, cases: Any, mediation: Any) -> list[str]:
    """Takes each visitor from intake to a closed case and through mediation; returns the
    raw ids that must not reach analytics."""
    raw_ids: list[str] = []
    ombudsman = stack.auth("ombudsman", office="nairobi")
    for visitor in VISITORS:
        identity = {k: visitor[k] for k in ("name", "email", "staff_index_number")}
        submitted = await stack.gateway.post(
            "/v1/intake/requests", json=intake_body(visitor=identity),
            headers=stack.auth("visitor", sub=visitor["sub"]),
        )  # fmt: skip
        assert submitted.status_code == 201, submitted.text
        reference = submitted.json()["reference"]
        accepted = await stack.gateway.post(
            f"/v1/intake/requests/{reference}/accept", headers=ombudsman
        )
        case_id = accepted.json()["case_id"]
        raw_ids += [case_id, reference]
        # The visitor's own data: they read it, and withdraw a second request (issue 19).
        own = stack.auth("visitor", sub=visitor["sub"])
        second = await stack.gateway.post(
            "/v1/intake/requests", json=intake_body(visitor=identity), headers=own
        )
        withdrawn = await stack.gateway.post(
            f"/v1/intake/requests/{second.json()['reference']}/withdraw", headers=own
        )
        assert withdrawn.status_code == 200, withdrawn.text
        mine = await stack.gateway.get("/v1/intake/me", headers=own)
        assert mine.json()["requests"][0]["visitor"]["name"] == visitor["name"]
        # Every case state, with identity smuggled into fields the allow-list does not know.
        life = case_life(case_id, office="nairobi")
        for _, _, payload in life:
            payload.update(visitor_name=visitor["name"], contact=visitor["email"])
        await cases.emit(life)
        for outcome in [*OUTCOMES, None]:
            mediation_id = new_id()
            raw_ids.append(mediation_id)
            events = mediation_life(mediation_id, outcome=outcome or "settled")
            if outcome is None:  # still open
                events = events[:-1]
            events[0][2]["party_names"] = [visitor["name"]]
            await mediation.emit(events)
        # The token as the cases service hands it over on closure (case_life closes the
        # case by its events alone, so the token is minted here with the cases key).
        token = mint_exit_survey_token(stack.keys.keys["cases"], issuer="cases")
        exit_answer = await stack.gateway.post(
            "/v1/analytics/surveys/exit",
            json={"helpful": 4, "respected": 5, "would_recommend": True, "matter_resolved": True,
                  "token": token},
            headers=stack.auth("visitor", sub=visitor["sub"]),
        )  # fmt: skip
        assert exit_answer.status_code == 201
    return raw_ids


async def _database_text(stack: Stack, databases: TestDatabases) -> str:
    """Everything analytics stores: its SQLite files byte for byte, or every table's rows."""
    url = stack.database_urls["analytics"]
    if not databases.on_postgres:
        path = Path(url.split("///", 1)[1])
        blobs = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
        return "\n".join(b.decode("latin-1") for b in blobs)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = []
            for table in AnalyticsBase.metadata.sorted_tables:
                everything = text(f"SELECT * FROM {table.name}")  # noqa: S608 - our own names
                rows += [repr(tuple(r)) for r in await conn.execute(everything)]
            return "\n".join(rows)
    finally:
        await engine.dispose()


async def _every_answer(stack: Stack) -> list[str]:
    chief = stack.auth("chief")
    answers = []
    for name in STATISTICS:
        for params in ({}, {"format": "csv"}, {"pillar": "secretariat"}, {"office": "nairobi"}):
            params = {"from_year": 2020, "to_year": 2026, **params}
            response = await stack.gateway.get(f"/v1/analytics/statistics/{name}", params=params,
                                               headers=chief)  # fmt: skip
            answers.append(response.text)
        chart = await stack.gateway.get(f"/v1/analytics/charts/{name}", headers=chief,
                                        params={"from_year": 2020, "to_year": 2026})  # fmt: skip
        answers.append(chart.text)
    for path in ("/v1/analytics/reports/annual/2025", "/v1/analytics/statistics",
                 "/v1/analytics/outreach", "/v1/analytics/headcounts"):  # fmt: skip
        answers.append((await stack.gateway.get(path, headers=chief)).text)
    assert all(answers)
    return answers


async def _no_trace_in_analytics(
    stack: Stack,
    databases: TestDatabases,
    captured: _Captured,
    identities: list[str],
    raw_ids: list[str],
) -> tuple[str, list[str]]:
    """Checks that analytics received the pipeline's facts (a tag of the cases, an outcome
    of the mediations) but no identity (in either case) and no raw id: not in its database,
    its answers, or any log line so far. Returns what it stored and what it answered."""
    answers = await _every_answer(stack)
    stored = await _database_text(stack, databases)
    assert "fear_of_speaking_out" in stored
    assert "resolved_before_mediation" in stored
    logs = "\n".join(captured.lines)
    for canary in [*identities, *(v.lower() for v in identities), *raw_ids]:
        assert canary not in stored, canary
        assert canary not in logs, canary
        for answer in answers:
            assert canary not in answer, canary
    return stored, answers


async def test_no_identity_and_no_raw_id_reaches_analytics(
    stack: Stack, keys: TestKeys, databases: TestDatabases, tmp_path: Path
) -> None:
    captured = _Captured()
    try:
        async with (
            served_gateway(stack) as gateway,
            producer("cases", keys=keys, databases=databases, tmp_path=tmp_path,
                     gateway_url=gateway.private_url) as cases,
            producer("mediation", keys=keys, databases=databases, tmp_path=tmp_path,
                     gateway_url=gateway.private_url) as mediation,
        ):  # fmt: skip
            # Every app has configured logging by now (each start resets the handlers).
            logging.getLogger().addHandler(captured)
            raw_ids = await _drive(stack, cases, mediation)
            await cases.drained()
            await mediation.drained()
        identities = [v for person in (*VISITORS, *PARTIES) for v in person.values()]
        await _no_trace_in_analytics(stack, databases, captured, identities, raw_ids)
    finally:
        logging.getLogger().removeHandler(captured)
    assert len(captured.lines) > 20


async def _drained(stack: Stack, service: str) -> None:
    """Waits (bounded) until the service's relay has delivered every outbox row."""
    async with httpx.AsyncClient(base_url=stack.urls[service], timeout=5) as client:
        for _ in range(300):
            backlog = (await client.get("/v1/internal/outbox")).json()
            if backlog["pending"] == 0:
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"the {service} relay did not drain: {backlog}")


async def _real_lives(stack: Stack) -> list[str]:
    """Each visitor's request becomes a case that lives every state, gives the service
    mediation, and closes; mediations of every outcome have identity-like party
    references. Returns the raw ids and references that must not reach analytics."""
    raw: list[str] = []
    med = Mediations(stack)
    for n, visitor in enumerate(VISITORS):
        identity = {k: visitor[k] for k in ("name", "email", "staff_index_number")}
        submitted = await stack.gateway.post(
            "/v1/intake/requests", json=intake_body(visitor=identity),
            headers=stack.auth("visitor", sub=visitor["sub"]),
        )  # fmt: skip
        reference = submitted.json()["reference"]
        me = stack.auth("ombudsman", sub=f"omb-canary-{n}", office="nairobi")
        case_id = (await stack.gateway.post(f"/v1/intake/requests/{reference}/accept",
                                            headers=me)).json()["case_id"]  # fmt: skip
        base = f"/v1/cases/{case_id}"
        visitor_ref = (await stack.gateway.get(base, headers=me)).json()["visitor_ref"]
        raw += [case_id, reference, visitor_ref]
        # A secure message from the visitor that names them: case content, sealed in cases.
        written = await stack.gateway.post(
            f"/v1/intake/requests/{reference}/messages",
            json={"body": f"I am {visitor['name']}, write to {visitor['email']}."},
            headers=stack.auth("visitor", sub=visitor["sub"]),
        )
        assert written.status_code == 201, written.text
        steps: list[tuple[str, dict[str, Any]]] = [
            ("conflict-declarations", {"has_conflict": False}),
            ("assignment", {}),
            ("issues", {"code": "2.f"}),
            ("services", {"service": "consultation"}),
            ("systemic-issues", {"systemic_issue": "fear_of_speaking_out"}),
            ("referrals", {"formal_channel": "ethics_office"}),
            (
                "contacts",
                {
                    "medium": "phone",
                    "duration_minutes": 20,
                    "participants": ["visitor", "ombudsman"],
                },
            ),
            (
                "consents",
                {"scope": "contact_hr", "details": f"May tell HR about {visitor['name']}"},
            ),
            ("notes", {"body": f"{visitor['name']} ({visitor['email']}) described the team."}),
            ("messages", {"body": f"Dear {visitor['name']}, shall we meet on Monday?"}),
            ("status", {"status": "in_progress"}),
            ("status", {"status": "on_hold"}),
            ("status", {"status": "in_progress"}),
            ("services", {"service": "mediation"}),
            ("status", {"status": "closed", "closure_reason": "resolved"}),
        ]
        for step, body in steps:
            response = await stack.gateway.post(f"{base}/{step}", json=body, headers=me)
            assert response.status_code in (200, 201), (step, response.text)
            if body.get("service") == "mediation":
                raw.append(response.json()["mediation_id"])
        for outcome in ("settled", "not_settled", "withdrawn", "resolved_before_mediation"):
            mediation_id = await med.open(case_number=f"UNDT/2026/{n}{outcome[:3]}")
            raw.append(mediation_id)
            if outcome == "resolved_before_mediation":
                expect(await med.close(mediation_id, outcome), 200)
                continue
            await med.accept(mediation_id)
            await med.agree_all(mediation_id)
            await med.assign_self(mediation_id)
            expect(await med.start(mediation_id), 200)
            extra = {"settlement_signed_on": today()} if outcome == "settled" else {}
            expect(await med.close(mediation_id, outcome, **extra), 200)
        declined = await med.open(case_number=f"UNDT/2026/{n}dec")
        raw.append(declined)
        await med.accept(declined)
        first, second = (await med.get(declined))["parties"]
        raw += [first["id"], second["id"]]
        expect(await med.respond(declined, first["id"], True), 200)
        expect(await med.respond(declined, second["id"], False), 200)
        # Still open: one party added with an identity, which the vault seals; its mediator
        # reads it (the only reveal), and it stays out of every other service.
        open_id = await med.open(case_number=f"UNDT/2026/{n}open")
        raw.append(open_id)
        added = await stack.gateway.post(
            f"/v1/mediations/{open_id}/parties",
            json={"identity": PARTIES[n], "represents_administration": n == 1},
            headers=med.mediator,
        )
        party = expect(added, 201)
        raw += [party["id"], party["reference"]]
        await med.accept(open_id)
        await med.agree_all(open_id)
        await med.assign_self(open_id)
        expect(await med.start(open_id), 200)
        logged = {"medium": "video", "duration_minutes": 50, "participants": ["other_party"]}
        expect(await med.post(open_id, "contacts", logged), 201)
        seen = await stack.gateway.get(f"/v1/mediations/{open_id}/parties", headers=med.mediator)
        assert PARTIES[n]["name"] in seen.text
    # The office's register entry on the pattern these cases are tagged with, published by
    # its chief: its own text reaches analytics (by design), its raw id does not.
    chief = stack.auth("chief", sub="chief-canary", office="nairobi")
    entry = expect(await stack.gateway.post("/v1/systemic-issues", headers=chief, json={
        "title": REGISTER_TITLE, "observation": "Staff hesitate to raise concerns.",
        "category": "fear_of_speaking_out", "first_reported_year": 2025}), 201)  # fmt: skip
    published = await stack.gateway.post(f"/v1/systemic-issues/{entry['id']}/publication",
                                         json={"publishable": True}, headers=chief)  # fmt: skip
    expect(published, 200)
    raw.append(entry["id"])
    return raw


async def test_real_case_and_mediation_lives_leave_no_trace_in_analytics(
    stack: Stack, databases: TestDatabases
) -> None:
    captured = _Captured()
    logging.getLogger().addHandler(captured)
    try:
        raw_ids = await _real_lives(stack)
        await _drained(stack, "cases")
        await _drained(stack, "mediation")
        identities = [v for visitor in VISITORS for v in visitor.values()]
        stored, answers = await _no_trace_in_analytics(
            stack, databases, captured, identities, raw_ids
        )
    finally:
        logging.getLogger().removeHandler(captured)
    # The real services' systemic register entry arrived too, and the 2025 report shows it.
    assert REGISTER_TITLE in stored
    assert any(REGISTER_TITLE in answer for answer in answers)


async def _every_table(url: str) -> str:
    """Every row of every table of a database, as text (whatever the backend)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            rows = []
            for name in names:
                everything = text(f'SELECT * FROM "{name}"')  # noqa: S608 - the schema's names
                rows += [repr(tuple(r)) for r in await conn.execute(everything)]
            return "\n".join(rows)
    finally:
        await engine.dispose()


async def _answers_without_need_to_know(stack: Stack) -> list[str]:
    """What the roles with no need to know read about those lives: the office's chief, a
    colleague who handles none of the cases, auditors, analysts, registries, HR portals."""
    chief = stack.auth("chief", office="nairobi")
    colleague = stack.auth("ombudsman", sub="omb-colleague", office="nairobi")
    answers = []
    for who in (chief, colleague):
        cases = await stack.gateway.get("/v1/cases", params={"limit": 200}, headers=who)
        requests = await stack.gateway.get(
            "/v1/intake/requests", params={"limit": 200}, headers=who
        )
        answers += [cases.text, requests.text]
        for case in cases.json()["items"]:
            for tail in ("", "/visitor", "/assignments", "/consents", "/notes"):
                answers.append((await stack.gateway.get(f"/v1/cases/{case['id']}{tail}",
                                                        headers=who)).text)  # fmt: skip
        for request in requests.json()["items"]:
            path = f"/v1/intake/requests/{request['reference']}"
            answers.append((await stack.gateway.get(path, headers=who)).text)
        answers.append((await stack.gateway.get("/v1/mediations", headers=who)).text)
    # The mediations: the chief, a mediator of the Service who is assigned to none of them,
    # an auditor and a registry; with their parties (whose identities are the canaries).
    colleague_mediator = stack.auth("mediator", sub="med-colleague", office="mediation-service")
    chief = stack.auth("chief", office="mediation-service")  # the Service's own chief
    mediations = await stack.gateway.get("/v1/mediations", params={"limit": 200}, headers=chief)
    assert mediations.json()["items"]
    for mediation in mediations.json()["items"]:
        for who in (chief, colleague_mediator, stack.auth("auditor"), stack.auth("registry")):
            for tail in ("", "/parties", "/sessions"):
                path = f"/v1/mediations/{mediation['id']}{tail}"
                answers.append((await stack.gateway.get(path, headers=who)).text)
            document = (f'{{ mediation(id: "{mediation["id"]}") {{ parties {{ reference }} '
                        "partyIdentities { identity { name email role phone } } } }")  # fmt: skip
            graphql = await stack.gateway.post("/graphql", json={"query": document}, headers=who)
            answers.append(graphql.text)
    for who in (chief, colleague_mediator):
        answers.append((await stack.gateway.get("/v1/mediation-schedule", headers=who)).text)
    feed = await stack.gateway.get("/v1/calendar/sessions.ics", headers=colleague_mediator)
    answers.append(feed.text)
    for role, path in [
        ("auditor", "/v1/audit/cases?limit=200"),
        ("analyst", "/v1/analytics/statistics/cases-opened"),
        ("registry", "/v1/certificates/requests"),
        ("hr_portal", "/v1/intake/requests"),
    ]:
        answers.append((await stack.gateway.get(path, headers=stack.auth(role))).text)
    return answers


def _sqlite_files(url: str) -> str:
    """A SQLite database's files byte for byte (free pages and the WAL included)."""
    path = Path(url.split("///", 1)[1])
    blobs = [p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
             if p.exists()]  # fmt: skip
    return "\n".join(b.decode("latin-1") for b in blobs)


async def test_identities_stay_in_the_vault_and_reach_only_who_needs_them(
    stack: Stack, databases: TestDatabases
) -> None:
    """The canary outside analytics: nothing of an identity in any other service's database
    (its rows, and on SQLite its files), in any log line of any service, or in any answer
    to a role without need to know."""
    captured = _Captured()
    logging.getLogger().addHandler(captured)
    try:
        await _real_lives(stack)
        answers = await _answers_without_need_to_know(stack)
        await _drained(stack, "cases")
        stored = {name: await _every_table(stack.database_urls[name])
                  for name in ("cases", "mediation", "analytics")}  # fmt: skip
        if not databases.on_postgres:
            for name in list(stored):
                stored[f"{name} files"] = _sqlite_files(stack.database_urls[name])
    finally:
        logging.getLogger().removeHandler(captured)
    assert "fear_of_speaking_out" in stored["cases"]  # the lives were recorded
    if not databases.on_postgres:  # and the files searched are the ones written
        assert "fear_of_speaking_out" in stored["cases files"]
    identities = [v for visitor in VISITORS for k, v in visitor.items() if k != "sub"]
    identities += [v for party in PARTIES for v in party.values()]
    canaries = identities + [v.lower() for v in identities]
    logs = "\n".join(captured.lines)
    assert len(answers) > 20
    for canary in canaries:
        for name, text_ in stored.items():
            assert canary not in text_, (canary, name)
        assert canary not in logs, canary
        for answer in answers:
            assert canary not in answer, canary
