"""Property-based fuzzing of every public operation through the gateway (schemathesis).

Each operation is called with generated inputs and a token of a role allowed
to call it: no answer may be a 5xx, and every answer must conform to the
documented schema (status, content type, headers, body; 405 with Allow, and so
on). OMBUDS_FUZZ_EXAMPLES raises the count (1000 for a deep run:
`OMBUDS_FUZZ_EXAMPLES=1000 uv run pytest tests/e2e/test_fuzz.py`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from gateway.config import GatewaySettings
from ombuds import system
from ombuds.tokens import dev_token

pytestmark = pytest.mark.e2e

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
EXAMPLES = int(os.environ.get("OMBUDS_FUZZ_EXAMPLES", "25"))
# Generous: a cold annual report on a busy 2-core machine can take several seconds,
# and a slow answer is not what this test looks for (5xx and schema breaks are).
SLOW_MACHINE_TIMEOUT = 60

schema = schemathesis.openapi.from_path(OPENAPI)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_generated_request_breaks_the_gateway(
    case: schemathesis.Case, running_system: system.System
) -> None:
    roles = case.operation.definition.raw.get("x-roles", [])
    headers = {}
    if roles:
        role = roles[0]
        token = dev_token(running_system.data_dir, role=role, subject=f"fuzz-{role}",
                          office="geneva")  # fmt: skip
        headers["Authorization"] = f"Bearer {token}"
    case.call_and_validate(
        base_url=running_system.url("gateway"),
        headers=headers,
        # Opaque values (cursors, references) have validity the schema cannot express,
        # so a well-formed but meaningless one is rightly refused with a 4xx.
        # Lax parsing (0 for false, a number for a date) is pydantic's, and harmless.
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
        timeout=SLOW_MACHINE_TIMEOUT,
    )


# Every operation that needs a token; public ones (health, keys) are fuzzed above.
_needs_a_token = schema.include(lambda ctx: bool(ctx.operation.definition.raw.get("x-roles")))
# A body over the gateway's limit is refused (413) before anything else is looked at.
_MAX_BODY_BYTES = GatewaySettings.model_fields["max_body_bytes"].default


@_needs_a_token.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_unauthenticated_calls_are_refused(
    case: schemathesis.Case, running_system: system.System
) -> None:
    response = case.call(base_url=running_system.url("gateway"), timeout=SLOW_MACHINE_TIMEOUT)
    sent = response.request.body or b""
    sent = sent.encode() if isinstance(sent, str) else sent
    # Whatever the method (the fuzzer also tries ones the route does not have), the path
    # or the body, a call without a token learns nothing but 401; the limits of
    # unauthenticated and receipt-code calls are raised for this fixture, so a 429 here
    # would be a real change.
    # A path with a line break in it (a path parameter of "%0A") is outside the gateway's
    # /v1 mount altogether: that is a 404 before any token is looked at.
    mounted = "\n" not in unquote(urlsplit(str(response.request.url)).path)
    expected = 413 if len(sent) > _MAX_BODY_BYTES else 401 if mounted else 404
    assert response.status_code == expected, (case.method, case.path, response.text)
