"""Certificate lookups per second through the gateway (the registry's hot path),
against the raw-asyncpg primary-key read baseline, in the same run, on PostgreSQL.

Target (issue 4): a lookup by certificate id through the gateway at >= 60% of
the baseline's throughput, at 64 concurrent clients. The lookup by tribunal
case number is measured too, for information. Lookups are cached for a couple
of seconds by the mediation service; --without-cache shows the figure without.

    uv run python -m bench.certificate_lookups [--duration 20] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.harness import load, report, running_baseline, running_system
from ombuds.tokens import dev_token

CASE_NUMBER = "UNDT/NY/2026/BENCH"
# The baseline row has about the size of a certificate's JSON (facts and JWS).
BASELINE_PAYLOAD = json.dumps({"jws": "x" * 600, "tribunal_case_number": CASE_NUMBER})


def _ok(response: httpx.Response) -> dict[str, object]:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.url.path}: {response.status_code} {response.text}")
    return response.json()  # type: ignore[no-any-return]


def issue_certificate(gateway_url: str, data_dir: Path) -> str:
    """Walks one tribunal mediation to its start and issues its certificate; returns its id."""
    today = dt.datetime.now(dt.UTC).date().isoformat()
    token = dev_token(
        data_dir, role="mediator", subject="bench-mediator", office="mediation-service"
    )
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=gateway_url, headers=headers, timeout=30) as client:
        mediation = _ok(
            client.post(
                "/v1/mediations",
                json={
                    "pillar": "secretariat",
                    "office": "mediation-service",
                    "referral_source": "dispute_tribunal",
                    "tribunal_reference": {
                        "tribunal": "dispute_tribunal",
                        "case_number": CASE_NUMBER,
                        "referral_date": today,
                    },
                    "parties": [
                        {"reference": "B-1"},
                        {"reference": "B-2", "represents_administration": True},
                    ],
                },
            )
        )
        path = f"/v1/mediations/{mediation['id']}"
        _ok(client.post(f"{path}/accept"))
        for party in mediation["parties"]:  # type: ignore[attr-defined]
            _ok(
                client.post(
                    f"{path}/parties/{party['id']}/agreement", json={"agrees": True, "on": today}
                )
            )
        _ok(client.post(f"{path}/declarations", json={"has_conflict": False}))
        _ok(client.put(f"{path}/mediator", json={}))
        _ok(client.post(f"{path}/start", json={"started_on": today, "basis": "signed_agreement"}))
        certificate = _ok(client.post(f"{path}/certificates", json={}))
    return str(certificate["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--without-cache",
        action="store_true",
        help="disable the mediation service's lookup cache (every lookup reads "
        "the database), to see what the cache contributes",
    )
    args = parser.parse_args()
    if args.without_cache:
        os.environ["OMBUDS_MEDIATION_CERTIFICATE_CACHE_SECONDS"] = "0"
    # The services log at WARNING under load (the harness sets it for the backends); the
    # gateway's access log at INFO would otherwise be measured as much as the lookups.
    os.environ.setdefault("OMBUDS_GATEWAY_LOG_LEVEL", "WARNING")
    print(
        f"Certificate lookups, {args.concurrency} clients, {args.duration:.0f} s each, PostgreSQL"
    )
    with running_baseline() as baseline_url:
        row = _ok(httpx.post(baseline_url + "/rows", content=BASELINE_PAYLOAD, timeout=10))
        baseline = load(
            f"{baseline_url}/rows/{row['id']}", concurrency=args.concurrency, duration=args.duration
        )
    report("baseline (FastAPI + asyncpg read)", baseline)
    with running_system() as system:
        gateway_url = system.url("gateway")
        certificate_id = issue_certificate(gateway_url, system.data_dir)
        token = dev_token(
            system.data_dir, role="registry", subject="bench-registry", tribunal="dispute_tribunal"
        )
        by_id = load(
            f"{gateway_url}/v1/certificates/{certificate_id}",
            token=token,
            concurrency=args.concurrency,
            duration=args.duration,
        )
        by_number = load(
            f"{gateway_url}/v1/certificates?tribunal_case_number={quote(CASE_NUMBER, safe='')}",
            token=token,
            concurrency=args.concurrency,
            duration=args.duration,
        )
    report("certificate by id, through gateway", by_id)
    report("by tribunal case number", by_number)
    ratio = float(by_id["rps"]) / float(baseline["rps"])  # type: ignore[arg-type]
    print(
        f"  ratio: {ratio:.0%} of the baseline's throughput (target >= 60%); "
        f"p99 {by_id['p99_ms']} ms"
    )


if __name__ == "__main__":
    main()
