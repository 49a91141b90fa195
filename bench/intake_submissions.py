"""Intake submissions per second through the gateway, against the raw-asyncpg insert baseline.

Target (issue 2): intake through the gateway at >= 50% of the baseline's
throughput, p99 under 250 ms, at 64 concurrent clients, on PostgreSQL.

    uv run python -m bench.intake_submissions [--duration 20] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import json

from bench.harness import load, report, running_baseline, running_system
from ombuds.tokens import dev_token

BODY = json.dumps({
    "visitor": {"name": "Bench Visitor", "email": "bench@example.org",
                "staff_index_number": "123456", "preferred_contact": "email"},
    "pillar": "secretariat", "office": "geneva", "location": "headquarters",
    "occupational_group": "general_service",
})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    print(f"Intake submissions, {args.concurrency} clients, {args.duration:.0f} s each, PostgreSQL")
    with running_baseline() as baseline_url:
        baseline = load(baseline_url + "/rows", method="POST", body=BODY,
                        concurrency=args.concurrency, duration=args.duration)  # fmt: skip
    report("baseline (FastAPI + asyncpg insert)", baseline)
    with running_system() as system:
        token = dev_token(system.data_dir, role="hr_portal", subject="bench-portal")
        body = json.loads(BODY) | {"consent_to_contact": True}
        ombuds = load(system.url("gateway") + "/v1/intake/requests", method="POST",
                      body=json.dumps(body), token=token, idempotency=True,
                      concurrency=args.concurrency, duration=args.duration)  # fmt: skip
    report("intake through the gateway", ombuds)
    ratio = float(ombuds["rps"]) / float(baseline["rps"])  # type: ignore[arg-type]
    print(f"  ratio: {ratio:.0%} of the baseline's throughput (target >= 50%); "
          f"p99 {ombuds['p99_ms']} ms (target < 250 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
