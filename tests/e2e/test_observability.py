"""What operators watch: metrics, traces and logs of every process, never an identity.

The services run as real processes with their stderr (their JSON log) captured
in files, so the test sees exactly what a log shipper would collect, and with
tracing on, exporting over OTLP/HTTP to a collector the test runs.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ombuds import system
from ombuds.tokens import dev_token
from ombuds_testing import TestDatabases

from .conftest import system_running

pytestmark = pytest.mark.e2e

# Distinctive strings, so that a hit can only come from this test's submissions.
IDENTITY = {
    "name": "Zephyrine Quillfeather",
    "email": "zephyrine.quillfeather@example.org",
    "staff_index_number": "QX-884213",
    "phone": "+41 22 917 4242",
}
BAD_EMAIL = "Zephyrine Quillfeather <not-an-email>"


def _auth(running: system.System, role: str, **claims: str) -> dict[str, str]:
    token = dev_token(
        running.data_dir, role=role, subject=claims.get("sub"), office=claims.get("office")
    )
    return {"Authorization": f"Bearer {token}"}


def _body(visitor: dict[str, str], **changes: object) -> dict[str, object]:
    return {
        "visitor": visitor,
        "pillar": "unhcr",
        "office": "geneva",
        "location": "field_mission",
        "occupational_group": "national_officer",
        **changes,
    }


def _drive(running: system.System) -> tuple[str, str]:
    """Submits identities, triages, accepts and reads; returns the reference and case id."""
    with httpx.Client(base_url=running.url("gateway"), timeout=15) as client:
        visitor = {**_auth(running, "visitor", sub="zq"), "X-Request-ID": "canary-submit"}
        submitted = client.post("/v1/intake/requests", json=_body(IDENTITY), headers=visitor)
        assert submitted.status_code == 201, submitted.text
        reference = submitted.json()["reference"]
        # A refused submission: its invalid value must not be logged either.
        refused = client.post(
            "/v1/intake/requests", json=_body({**IDENTITY, "email": BAD_EMAIL}), headers=visitor
        )
        assert refused.status_code == 422
        portal = {**_auth(running, "hr_portal", sub="portal"), "Idempotency-Key": "canary-hr"}
        on_behalf = _body(IDENTITY, consent_to_contact=True)
        for _ in range(2):  # the second is a replay
            replayed = client.post("/v1/intake/requests", json=on_behalf, headers=portal)
            assert replayed.status_code == 201, replayed.text
        ombudsman = _auth(running, "ombudsman", sub="omb-geneva", office="geneva")
        queue = client.get("/v1/intake/requests?status=submitted", headers=ombudsman)
        assert queue.status_code == 200, queue.text
        assert IDENTITY["name"] not in queue.text  # a list carries no identity (need to know)
        untriaged = client.get(f"/v1/intake/requests/{reference}", headers=ombudsman)
        assert untriaged.status_code == 200, untriaged.text
        assert IDENTITY["name"] in untriaged.text  # the triager reads it, one request at a time
        accepted = client.post(
            f"/v1/intake/requests/{reference}/accept",
            headers={**ombudsman, "X-Request-ID": "canary-accept"},
        )
        assert accepted.status_code == 200, accepted.text
        case_id = str(accepted.json()["case_id"])
        assert client.get(f"/v1/cases/{case_id}", headers=ombudsman).status_code == 200
        missing = client.get("/v1/cases/no-such-case", headers=ombudsman)
        assert missing.status_code == 404
        # Failed GraphQL mutations with the identity written inline: a role refused, a
        # literal refused. Neither document may reach the gateway's log.
        for role, pillar in (("analyst", "UNHCR"), ("visitor", "NO_SUCH_PILLAR")):
            literals = (
                f'visitor: {{name: "{IDENTITY["name"]}", email: "{IDENTITY["email"]}", '
                f'staffIndexNumber: "{IDENTITY["staff_index_number"]}"}}, pillar: {pillar}, '
                'office: "geneva", location: FIELD_MISSION, occupationalGroup: NATIONAL_OFFICER'
            )
            failed = client.post(
                "/graphql",
                json={"query": f"mutation {{ submitIntakeRequest(input: {{{literals}}}) "
                               "{ reference } }"},
                headers={**_auth(running, role), "X-Request-ID": "canary-graphql"},
            )  # fmt: skip
            assert failed.json()["errors"], failed.text
    return reference, case_id


def _scrape(running: system.System) -> dict[str, str]:
    with httpx.Client(timeout=5) as client:
        pages = {}
        for spec in system.SERVICES:
            # The gateway serves /metrics on its private listener only.
            base = running.private_url() if spec.name == "gateway" else running.url(spec.name)
            assert client.get(running.url("gateway") + "/metrics").status_code == 404
            response = client.get(base + "/metrics")
            assert response.status_code == 200, spec.name
            assert response.headers["content-type"].startswith("text/plain")
            pages[spec.name] = response.text
        return pages


def _series(page: str, name: str, **labels: str) -> list[str]:
    """The sample lines of `name` that carry every one of `labels`."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return [
        line
        for line in page.splitlines()
        if line.startswith(name + "{") and all(label in line for label in wanted)
    ]


def _log_lines(log_dir: Path, name: str) -> list[dict[str, object]]:
    lines = (log_dir / f"{name}.log").read_text(errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


@contextlib.contextmanager
def _collector() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An OTLP/HTTP endpoint on 127.0.0.1 keeping every span it is sent."""
    spans: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            request = ExportTraceServiceRequest.FromString(body)
            for resource_spans in MessageToDict(request).get("resourceSpans", []):
                attributes = resource_spans["resource"]["attributes"]
                service = next(a["value"]["stringValue"] for a in attributes
                               if a["key"] == "service.name")  # fmt: skip
                for scope_spans in resource_spans.get("scopeSpans", []):
                    spans.extend({**span, "service": service} for span in scope_spans["spans"])
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/traces", spans
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _tracing_env(endpoint: str) -> dict[str, str]:
    env = {}
    for spec in system.SERVICES:
        env[f"{spec.env_prefix}OTEL_ENABLED"] = "true"
        env[f"{spec.env_prefix}OTEL_EXPORTER_ENDPOINT"] = endpoint
    return env


def test_metrics_traces_everywhere_and_no_identity_in_any_log(
    tmp_path: Path, databases: TestDatabases
) -> None:
    log_dir = tmp_path / "logs"
    with _collector() as (endpoint, spans):
        with system_running(
            tmp_path / "data", databases, log_dir=log_dir, env=_tracing_env(endpoint)
        ) as running:
            reference, case_id = _drive(running)
            pages = _scrape(running)
        # Stopping the services flushed their spans to the collector.
        spans = list(spans)

    # Every service exposes the HTTP series under its own name, by route template.
    requests = "ombuds_http_requests_total"
    for spec in system.SERVICES:
        assert _series(pages[spec.name], requests, service=spec.name), spec.name
    gateway, intake, cases = pages["gateway"], pages["intake"], pages["cases"]
    accept = "/v1/intake/requests/{reference}/accept"
    assert _series(gateway, requests, route=accept, method="POST", status="200")
    assert _series(gateway, requests, route="/v1/intake/requests", status="422")
    assert _series(gateway, requests, route="/v1/cases/{case_id}", status="404")
    assert _series(intake, requests, route=accept, service="intake", status="200")
    assert _series(cases, "ombuds_http_request_duration_seconds_bucket", service="cases")
    assert "ombuds_outbox_backlog" in cases
    for page in pages.values():  # labels hold templates, never the values in a path
        assert reference not in page
        assert case_id not in page

    # Every service logged JSON lines; the accept carried one request id across three.
    logs = {spec.name: _log_lines(log_dir, spec.name) for spec in system.SERVICES}
    for name, entries in logs.items():
        assert entries, f"{name} logged nothing"
        assert all(entry["service"] == name for entry in entries)
    for name in ("gateway", "intake", "cases"):
        assert any(e.get("request_id") == "canary-accept" for e in logs[name]), name
    # The failed GraphQL operations are there, as info lines with their code only.
    graphql = [e for e in logs["gateway"] if e.get("request_id") == "canary-graphql"
               and e["logger"] == "gateway.graphql"]  # fmt: skip
    assert len(graphql) >= 2, logs["gateway"][-5:]
    assert {e["level"] for e in graphql} == {"info"}

    # The accept is one trace: gateway -> intake -> cases, each span the child of its caller.
    accept = [s for s in spans if _attribute(s, "ombuds.request_id") == "canary-accept"]
    by_service = {s["service"]: s for s in accept}
    assert set(by_service) == {"ombuds-gateway", "ombuds-intake", "ombuds-cases"}, accept
    gateway_span, intake_span, cases_span = (
        by_service[f"ombuds-{name}"] for name in ("gateway", "intake", "cases")
    )
    assert len({s["traceId"] for s in accept}) == 1
    assert "parentSpanId" not in gateway_span
    assert intake_span["parentSpanId"] == gateway_span["spanId"]
    assert cases_span["parentSpanId"] == intake_span["spanId"]
    assert gateway_span["name"] == "POST /v1/intake/requests/{reference}/accept"
    assert cases_span["name"] == "POST /v1/internal/cases"

    # And no log line or span, raw or parsed, holds any part of an identity.
    needles = [*IDENTITY.values(), "Quillfeather", "884213", "917 4242", reference, case_id]
    exported = json.dumps(spans).lower()
    for spec in system.SERVICES:
        raw = (log_dir / f"{spec.name}.log").read_text(errors="replace").lower()
        for needle in needles:
            assert needle.lower() not in raw, f"{needle!r} in the {spec.name} log"
            assert needle.lower() not in exported, f"{needle!r} in a span"


def _attribute(span: dict[str, Any], key: str) -> Any:
    for attribute in span.get("attributes", []):
        if attribute["key"] == key:
            return next(iter(attribute["value"].values()))
    return None
