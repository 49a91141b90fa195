"""GraphQL for frontends, through a real GraphQL client, against the same policy as REST."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

from gateway.graphql.schema import build_schema
from gateway.policy import POLICY
from ombuds_shared.reference import Role

from .conftest import Stack, intake_body

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


@asynccontextmanager
async def graphql_as(stack: Stack, role: str, **claims: str) -> AsyncIterator[Any]:
    """A gql session for a role, over HTTP to the gateway app."""
    assert stack.gateway_app is not None
    transport = HTTPXAsyncTransport(
        url="http://testserver/graphql",
        headers=stack.auth(role, **claims),
        transport=httpx.ASGITransport(app=stack.gateway_app),
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session


async def run(session: Any, document: str, variables: dict[str, Any] | None = None) -> Any:
    """Executes a GraphQL document with its variables through the gql session."""
    request = gql(document)
    request.variable_values = variables
    return await session.execute(request)


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
        assert nodes == [{"reference": reference, "visitor": {"name": "Jonas Okafor"}}]
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
