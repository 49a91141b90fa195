"""GraphQL for frontends, through a real GraphQL client, against the same policy as REST."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from gateway.graphql.schema import build_schema
from gateway.main import create_app as create_gateway
from gateway.policy import POLICY
from ombuds_shared.metrics import HTTP_REQUESTS
from ombuds_shared.reference import Role
from ombuds_testing import app_client

from .cases_helpers import HANDLER, OFFICE, assigned_case, handler
from .conftest import BACKENDS, Stack, intake_body
from .graphql_routes import READS, REST_ONLY_READS, REST_ONLY_WRITES, WRITES
from .graphql_support import attempt, graphql_as, run
from .mediation_support import CASE_NUMBER, Mediations

ROOT = Path(__file__).resolve().parents[1]

SUBMIT = """
mutation Submit($input: IntakeRequestInput!, $key: String) {
  submitIntakeRequest(input: $input, idempotencyKey: $key) { reference status notice }
}"""
READ = """
query Read($ref: String!) {
  intakeRequest(reference: $ref) { reference status office visitor { name email } }
}"""
READ_CASE_ID = """query ($ref: String!) { intakeRequest(reference: $ref) { reference caseId } }"""
QUEUE = """
query Queue($first: Int!, $after: String) {
  intakeRequests(status: "submitted", first: $first, after: $after) {
    edges { node { reference visitor { name } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ACCEPT = """mutation ($ref: String!) { acceptIntakeRequest(reference: $ref) { status caseId } }"""
CASE = """query ($id: ID!) { case(id: $id) { id office status visitorRef pillar } }"""


def _graphql_input(body: dict[str, Any]) -> dict[str, Any]:
    visitor = body["visitor"]
    return {
        "visitor": {"name": visitor["name"], "email": visitor["email"],
                    "staffIndexNumber": visitor.get("staff_index_number")},
        "pillar": body["pillar"].upper(), "office": body["office"],
        "location": body["location"].upper(),
        "occupationalGroup": body["occupational_group"].upper(),
        "consentToContact": body.get("consent_to_contact", False),
    }  # fmt: skip


async def _submit(stack: Stack, sub: str = "visitor-gql") -> str:
    async with graphql_as(stack, "visitor", sub=sub) as session:
        result = await run(session, SUBMIT, {"input": _graphql_input(intake_body())})
    ack = result["submitIntakeRequest"]
    assert "informal" in ack["notice"]
    return str(ack["reference"])


async def test_visitor_desk_submits_and_reads_own_request(stack: Stack) -> None:
    reference = await _submit(stack)
    async with graphql_as(stack, "visitor", sub="visitor-gql") as session:
        mine = await run(session, READ, {"ref": reference})
        assert mine["intakeRequest"]["visitor"]["name"] == "Jonas Okafor"
        with pytest.raises(TransportQueryError) as denied:
            await run(session, READ_CASE_ID, {"ref": reference})
        assert denied.value.errors[0]["extensions"]["code"] == "FORBIDDEN"
    async with graphql_as(stack, "visitor", sub="someone-else") as session:
        with pytest.raises(TransportQueryError) as hidden:
            await run(session, READ, {"ref": reference})
        assert hidden.value.errors[0]["extensions"]["problem"]["status"] == 404


async def test_ombudsman_desk_triages_and_opens_the_case(stack: Stack) -> None:
    reference = await _submit(stack)
    async with graphql_as(stack, "ombudsman", sub="omb-1", office="nairobi") as session:
        queue = await run(session, QUEUE, {"first": 10})
        nodes = [e["node"] for e in queue["intakeRequests"]["edges"]]
        # Need-to-know: the queue finds the request; opening it (audited) shows who asked.
        assert nodes == [{"reference": reference, "visitor": None}]
        one = await run(session, READ, {"ref": reference})
        assert one["intakeRequest"]["visitor"]["name"] == "Jonas Okafor"
        accepted = await run(session, ACCEPT, {"ref": reference})
        case_id = accepted["acceptIntakeRequest"]["caseId"]
        case = await run(session, CASE, {"id": case_id})
        assert case["case"]["office"] == "nairobi"
        assert case["case"]["visitorRef"].startswith("vis_")


async def test_queue_pages_follow_the_cursor(stack: Stack) -> None:
    for n in range(3):
        await _submit(stack, sub=f"visitor-{n}")
    seen: list[str] = []
    after = None
    async with graphql_as(stack, "ombudsman", office="nairobi") as session:
        for _ in range(5):  # bounded: 3 items, 2 a page
            page = await run(session, QUEUE, {"first": 2, "after": after})
            seen += [e["node"]["reference"] for e in page["intakeRequests"]["edges"]]
            info = page["intakeRequests"]["pageInfo"]
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]
    assert len(seen) == len(set(seen)) == 3


# For each policy row with role-dependent fields: how to ask for one field over GraphQL.
FIELD_QUERIES: dict[tuple[str, str], Callable[[str], str]] = {
    ("GET", "/v1/intake/requests/{reference}"): lambda field: (
        f"query ($ref: String!) {{ intakeRequest(reference: $ref) {{ reference {field} }} }}"
    ),
    ("GET", "/v1/intake/requests"): lambda field: (
        f"{{ intakeRequests(first: 50) {{ edges {{ node {{ reference {field} }} }} }} }}"
    ),
}
GRAPHQL_FIELD = {"visitor": "visitor { name }", "case_id": "caseId"}


@pytest.mark.parametrize(
    ("rule", "field"),
    [(r, f) for r in POLICY for f in r.fields],
    ids=lambda v: getattr(v, "path", v),
)
async def test_graphql_and_rest_agree_on_every_role_and_field(stack: Stack, rule, field) -> None:  # type: ignore[no-untyped-def]
    reference = await _submit(stack, sub="visitor-agree")
    build = FIELD_QUERIES[(rule.method, rule.path)]
    query = build(GRAPHQL_FIELD[field])
    path = rule.path.replace("{reference}", reference)
    for role in Role:
        sub = "visitor-agree" if role is Role.VISITOR else f"{role.value}-x"
        rest = await stack.gateway.get(
            path, headers=stack.auth(role.value, sub=sub, office="nairobi")
        )
        async with graphql_as(stack, role.value, sub=sub, office="nairobi") as session:
            try:
                await run(session, query, {"ref": reference})
                graphql_forbidden = False
            except TransportQueryError as error:
                codes = {e.get("extensions", {}).get("code") for e in error.errors or []}
                graphql_forbidden = "FORBIDDEN" in codes
        if rest.status_code == 403:
            assert graphql_forbidden, (role, field)
            continue
        document = rest.json()
        items = document.get("items", [document])
        rest_shows = any(field in item for item in items)
        assert rest_shows == (role in rule.fields[field]), (role, field, rest.text)
        assert graphql_forbidden == (not rest_shows and role not in rule.fields[field]), (
            role,
            field,
        )


@dataclass
class World:
    """One of everything a read route can name, for the role-by-route comparisons."""

    reference: str
    case_id: str
    mediation_id: str
    certificate_id: str
    request_id: str
    entry_id: str
    session_id: str


async def _world(stack: Stack) -> World:
    reference = await _submit(stack, sub="visitor-agree")
    case_id = await assigned_case(stack)
    me = handler(stack)
    for step, body in (("issues", {"code": "2.b"}), ("notes", {"body": "Met the visitor."})):
        recorded = await stack.gateway.post(f"/v1/cases/{case_id}/{step}", json=body, headers=me)
        assert recorded.status_code == 201, recorded.text
    med = Mediations(stack)
    mediation_id = await med.under_way()
    certificate = await med.issue(mediation_id)
    asked = await stack.gateway.post(
        "/v1/certificates/requests",
        json={"tribunal": "dispute_tribunal", "tribunal_case_number": CASE_NUMBER},
        headers=med.registry,
    )
    assert asked.status_code == 201, asked.text
    entry = await stack.gateway.post(
        "/v1/systemic-issues",
        json={"title": "Leadership", "observation": "A pattern.", "category": "leadership",
              "first_reported_year": 2025},
        headers=me,
    )  # fmt: skip
    assert entry.status_code == 201, entry.text
    session_id = (await med.get(mediation_id))["sessions"][0]["id"]  # its first session
    return World(reference, case_id, mediation_id, certificate["id"], asked.json()["id"],
                 entry.json()["id"], session_id)  # fmt: skip


def _claims(role: Role, *, mediation_side: bool = False) -> dict[str, str]:
    """Who plays each role: the people the world's records belong to, where there are any;
    on the Mediation Service's routes, the chief is the Mediation Service's."""
    if role is Role.CHIEF and mediation_side:
        return {"sub": "chief-x", "office": "mediation-service"}
    return {
        Role.VISITOR: {"sub": "visitor-agree"},
        Role.OMBUDSMAN: {"sub": HANDLER, "office": OFFICE},
        Role.MEDIATOR: {"sub": "mediator-ana", "office": "mediation-service"},
        Role.REGISTRY: {"sub": "undt-registry-ny"},
    }.get(role, {"sub": f"{role.value}-x", "office": OFFICE})


def _filled(template: str, world: World) -> str:
    names = {**vars(world), "statistic": "cases-opened", "vocabulary": "formal_channels"}
    for name, value in names.items():
        template = template.replace("{" + name + "}", value)
    return template


def _status_of(errors: list[dict[str, Any]]) -> int:
    """What a GraphQL answer amounts to in HTTP terms: its first problem's status, or 200."""
    return int(errors[0]["extensions"]["problem"]["status"]) if errors else 200


def test_every_read_route_is_in_graphql_or_deliberately_rest_only() -> None:
    reads = {r.path for r in POLICY if r.method == "GET"}
    assert reads == set(READS) | set(REST_ONLY_READS)
    assert not set(READS) & set(REST_ONLY_READS)


async def test_graphql_and_rest_agree_on_every_role_and_read_route(stack: Stack) -> None:
    world = await _world(stack)
    disagreements = []
    for role, mediation_side in itertools.product(Role, (False, True)):
        claims = _claims(role, mediation_side=mediation_side)
        headers = stack.auth(role.value, **claims)
        async with graphql_as(stack, role.value, **claims) as session:
            for path, (query, document) in READS.items():
                if path.startswith(("/v1/mediations", "/v1/certificates")) != mediation_side:
                    continue
                url = _filled(path, world) + (f"?{_filled(query, world)}" if query else "")
                rest = await stack.gateway.get(url, headers=headers)
                try:
                    await run(session, _filled(document, world))
                    errors: list[dict[str, Any]] = []
                except TransportQueryError as error:
                    errors = error.errors or []
                if _status_of(errors) != rest.status_code:
                    disagreements.append((role.value, path, rest.status_code, errors))
    assert not disagreements


def test_every_write_route_has_its_mutation() -> None:
    writes = {(r.method, r.path) for r in POLICY if r.method != "GET"}
    assert writes == set(WRITES) | set(REST_ONLY_WRITES)
    assert not set(WRITES) & set(REST_ONLY_WRITES)


async def test_a_role_refused_a_write_route_is_refused_its_mutation(stack: Stack) -> None:
    disagreements = []
    for role in Role:
        claims = _claims(role)
        headers = stack.auth(role.value, **claims)
        async with graphql_as(stack, role.value, **claims) as session:
            for rule in POLICY:
                if rule.method == "GET" or role in rule.roles or rule.receipt:
                    continue
                if (rule.method, rule.path) in REST_ONLY_WRITES:
                    continue
                path = re.sub(r"\{year\}", "2026", rule.path)
                path = re.sub(r"\{[a-z_]+\}", "x", path)
                rest = await stack.gateway.request(rule.method, path, json={}, headers=headers)
                _, errors = await attempt(
                    session, "mutation { " + WRITES[(rule.method, rule.path)] + " }"
                )
                graphql = _status_of(list(errors.values()))
                if not (rest.status_code == graphql == 403):
                    disagreements.append(
                        (role.value, rule.method, rule.path, rest.status_code, errors)
                    )
    assert not disagreements


async def test_unauthenticated_graphql_gets_401(stack: Stack) -> None:
    response = await stack.gateway.post(
        "/graphql", json={"query": "{ cases { edges { cursor } } }"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_guard_rails(stack: Stack) -> None:
    async with graphql_as(stack, "chief", office="nairobi") as session:
        with pytest.raises(TransportQueryError, match="first must be between"):
            await run(session, "{ cases(first: 100000) { edges { cursor } } }")
        aliases = " ".join(f"a{n}: cases {{ pageInfo {{ hasNextPage }} }}" for n in range(30))
        with pytest.raises(TransportQueryError):
            await run(session, "{ " + aliases + " }")
    production = build_schema(introspection=False)
    result = await production.execute("{ __schema { types { name } } }")
    assert result.errors
    development = build_schema(introspection=True)
    assert not (await development.execute("{ __schema { queryType { name } } }")).errors


def test_committed_sdl_matches_the_live_schema() -> None:
    committed = (ROOT / "docs" / "schema.graphql").read_text()
    assert committed == build_schema().as_str() + "\n", (
        "The GraphQL schema changed; if that is deliberate, run "
        "`uv run python -m gateway.graphql.sdl > docs/schema.graphql`."
    )


def _service_requests() -> Counter[tuple[str, str, str]]:
    """Requests the backends have served so far, by (service, method, route template).

    Read from the services' own Prometheus counters: what arrived, not what the
    gateway meant to send. Peer routes (the outbox relays) are left out.
    """
    served: Counter[tuple[str, str, str]] = Counter()
    for metric in HTTP_REQUESTS.collect():
        for sample in metric.samples:
            labels = sample.labels
            if (
                sample.name.endswith("_total")
                and labels["service"] in BACKENDS
                and not labels["route"].startswith("/v1/internal/")
            ):
                served[(labels["service"], labels["method"], labels["route"])] += int(sample.value)
    return served


async def _cases_with_issues(stack: Stack, count: int) -> None:
    """`count` walk-in cases, each taken by HANDLER and given an issue, ten at a time."""
    me = handler(stack)
    body = {"pillar": "unhcr", "location": "headquarters",
            "occupational_group": "general_service", "intake_channel": "in_person"}  # fmt: skip

    async def one(n: int) -> None:
        opened = await stack.gateway.post("/v1/cases", json=body, headers=me)
        assert opened.status_code == 201, opened.text
        path = f"/v1/cases/{opened.json()['id']}"
        issue = {"code": ("2.b", "4.a", "1.d")[n % 3]}
        steps = [("conflict-declarations", {"has_conflict": False}, 201),
                 ("assignment", {}, 200), ("issues", issue, 201)]  # fmt: skip
        for step, payload, status in steps:
            answer = await stack.gateway.post(f"{path}/{step}", json=payload, headers=me)
            assert answer.status_code == status, answer.text

    for start in range(0, count, 10):
        await asyncio.gather(*(one(n) for n in range(start, min(start + 10, count))))


PAGE_OF_CASES = """
query ($first: Int!) {
  cases(first: $first) { edges { node {
    id assignedTo issues { code category }
    assignment { assignedTo assignments { assignee assignedAt } declarations { hasConflict } }
  } } }
}"""


async def test_a_page_of_cases_with_issues_and_assignees_costs_a_bounded_number_of_calls(
    stack: Stack,
) -> None:
    await _cases_with_issues(stack, 100)
    calls: dict[int, Counter[tuple[str, str, str]]] = {}
    async with graphql_as(stack, "ombudsman", sub=HANDLER, office=OFFICE) as session:
        for first in (10, 100):
            before = _service_requests()
            page = await run(session, PAGE_OF_CASES, {"first": first})
            calls[first] = _service_requests() - before
            nodes = [edge["node"] for edge in page["cases"]["edges"]]
            assert len(nodes) == first
            for node in nodes:
                assert node["assignedTo"] == HANDLER
                assert node["assignment"]["assignments"][0]["assignee"] == HANDLER
                assert [i["category"] for i in node["issues"]] in (["2"], ["4"], ["1"])
    # Ten cases or a hundred: the same three calls, one list and one batch per kind.
    assert calls[100] == calls[10] == Counter({
        ("cases", "GET", "/v1/cases"): 1,
        ("cases", "GET", "/v1/case-issues"): 1,
        ("cases", "GET", "/v1/case-assignments"): 1,
    })  # fmt: skip


async def test_fields_read_per_case_are_bounded_by_the_call_budget(stack: Stack) -> None:
    await _cases_with_issues(stack, 6)
    budget = 5
    # A second gateway beside the stack's: its private listener stays off (the port is taken).
    settings = stack.settings.model_copy(
        update={"graphql_max_service_calls": budget, "private_bind": None}
    )
    query = "{ cases(first: 6) { edges { node { id consents { id } } } } }"
    gateway = create_gateway(settings)
    # app_client runs the lifespan: the new gateway's clients to the services.
    async with (
        app_client(gateway),
        graphql_as(stack, "ombudsman", sub=HANDLER, office=OFFICE, app=gateway) as session,
    ):
        before = _service_requests()
        with pytest.raises(TransportQueryError) as refused:
            await run(session, query)
        served = _service_requests() - before
    # Consents have no batch route: one call per case, until the budget runs out.
    assert sum(served.values()) == budget
    errors = refused.value.errors or []
    assert {e["extensions"]["code"] for e in errors} == {"BAD_REQUEST"}
    assert f"more than {budget} calls" in errors[0]["message"]
    # The page itself came back; only the fields beyond the budget are null, each with its error.
    nodes = [edge["node"] for edge in (refused.value.data or {})["cases"]["edges"]]
    assert len(nodes) == 6
    assert sum(node["consents"] is not None for node in nodes) == budget - 1
    assert len(errors) == 6 - (budget - 1)
