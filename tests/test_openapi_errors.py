"""Every public operation documents the problems it can answer: status, type URI, example.

Checked on the committed docs/openapi.json, which
test_gateway_auth.py::test_committed_openapi_matches_what_the_gateway_serves
holds equal to what the gateway serves; the authorization matrix checks that
every problem the running system answers is among those documented.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.policy import POLICY
from ombuds_shared.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, error_from_problem

DOCUMENT = json.loads((Path(__file__).resolve().parents[1] / "docs" / "openapi.json").read_text())
OPERATIONS = [
    (method, path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    if "x-roles" in operation  # a receipt route's list is empty: no role, a code
]


def expected_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The route class's problems: what any such route can answer through the gateway."""
    statuses = {401, 403, 429, 502, 503}
    takes_body = "requestBody" in operation
    if "{" in path:  # an id that names nothing, or a segment the gateway routes nowhere
        statuses.add(404)
    if method in ("post", "put", "patch", "delete"):
        statuses.add(409)
    if takes_body:
        statuses |= {400, 413, 415}
    if takes_body or operation.get("parameters"):
        statuses.add(422)
    return statuses


def test_every_public_operation_is_checked() -> None:
    checked = {(method.upper(), path) for method, path, _ in OPERATIONS}
    assert checked == {(rule.method, rule.path) for rule in POLICY}


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS]
)
def test_each_error_response_names_its_problem_types_with_examples(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    responses = operation["responses"]
    successes = [status for status in responses if status.startswith("2")]
    assert len(successes) == 1, successes
    errors = {int(status): r for status, r in responses.items() if int(status) >= 400}
    # At least the route class's problems (a route may declare more, e.g. 409 on a read).
    assert expected_statuses(method, path, operation) <= set(errors)
    for status, response in errors.items():
        assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], status
        content = response["content"][PROBLEM_MEDIA_TYPE]
        problem, types = content["schema"]["allOf"]
        assert problem == {"$ref": "#/components/schemas/Problem"}
        documented_types = types["properties"]["type"]["enum"]
        examples = content["examples"]
        assert examples, status
        seen = set()
        for example in examples.values():
            value = example["value"]
            assert value["status"] == status
            assert value["type"].startswith(PROBLEM_TYPE_BASE)
            assert value["type"] in documented_types
            assert value["detail"] == example["summary"]
            assert value["title"]
            # The example is what the service would render: its type and status agree.
            assert error_from_problem(status, value).type_uri == value["type"]
            seen.add(value["type"])
        assert seen == set(documented_types), status
        assert all(kind in response["description"] for kind in documented_types)
    assert "Retry-After" in errors[429]["headers"]
    assert "Retry-After" in errors[503]["headers"]
    assert "WWW-Authenticate" in errors[401]["headers"]


def test_object_level_refusals_are_documented_where_the_policy_has_them() -> None:
    for method, path, operation in OPERATIONS:
        reach = operation.get("x-reach", {})
        examples = operation["responses"]["403"]["content"][PROBLEM_MEDIA_TYPE]["examples"]
        assert ("not-assigned" in examples) == ("handled" in reach.values()), (method, path)
    submission = DOCUMENT["paths"]["/v1/intake/requests"]["post"]["responses"]
    assert "idempotency-conflict" in submission["409"]["content"][PROBLEM_MEDIA_TYPE]["examples"]
    assert "idempotency-key-missing" in submission["400"]["content"][PROBLEM_MEDIA_TYPE]["examples"]
