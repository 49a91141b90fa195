"""Failed GraphQL operations leave no identity in the gateway's log (issue 13, item 8).

A mutation with the visitor's name and e-mail written inline, as literals, fails in
three ways: a literal GraphQL refuses, a role the route refuses, and a service's
refusal. The gateway's real log records, formatted as it writes them, must hold the
failures (as info lines with their code) and none of the literals.
"""

from __future__ import annotations

import logging

import httpx

from ombuds_shared.logs import JsonFormatter

from .conftest import Stack

NAME, EMAIL, STAFF = "Ottoline Brackenridge", "ottoline.brackenridge@example.org", "OB-55871"

_MUTATION = """
mutation {
  submitIntakeRequest(input: {
    visitor: {name: "%s", email: "%s", staffIndexNumber: "%s"},
    pillar: %s, office: "%s", location: HEADQUARTERS, occupationalGroup: GENERAL_SERVICE
  }) { reference }
}
"""


class _GatewayLog(logging.Handler):
    """Every record the process writes, in the gateway's own JSON format."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter("gateway"))
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != "httpx":  # the test client's own lines
            self.records.append(record)
            self.lines.append(self.format(record))


async def _post(stack: Stack, role: str, pillar: str, office: str) -> httpx.Response:
    document = _MUTATION % (NAME, EMAIL, STAFF, pillar, office)
    return await stack.gateway.post(
        "/graphql", json={"query": document}, headers=stack.auth(role, sub=f"{role}-canary")
    )


async def test_failed_mutations_with_inline_identity_leave_the_log_clean(stack: Stack) -> None:
    log = _GatewayLog()
    root = logging.getLogger()
    level = root.level
    root.addHandler(log)
    root.setLevel(logging.DEBUG)  # the most a misconfigured gateway would write
    try:
        refused_literal = await _post(stack, "visitor", "NOT_A_PILLAR", "nairobi")
        refused_role = await _post(stack, "analyst", "SECRETARIAT", "nairobi")
        refused_by_intake = await _post(stack, "visitor", "SECRETARIAT", "no-such-office")
    finally:
        root.removeHandler(log)
        root.setLevel(level)
    for answer in (refused_literal, refused_role, refused_by_intake):
        assert answer.json()["errors"], answer.text
    codes = [
        error.get("extensions", {}).get("code")
        for answer in (refused_role, refused_by_intake)
        for error in answer.json()["errors"]
    ]
    assert "FORBIDDEN" in codes, codes
    assert any(c and c != "FORBIDDEN" for c in codes), codes
    text = "\n".join(log.lines)
    for canary in (NAME, EMAIL, STAFF, "Ottoline", "brackenridge", "submitIntakeRequest"):
        assert canary.lower() not in text.lower(), canary
    failures = [r for r in log.records if r.name == "gateway.graphql"]
    assert len(failures) >= 3, log.lines
    assert all(r.levelno == logging.INFO for r in failures), log.lines
    assert not [r for r in log.records if r.levelno >= logging.ERROR], log.lines
