"""Case creation and case reads through the gateway, against the same-run raw-asyncpg baseline.

Target (issue 3): a case read through the gateway (token checks, policy,
proxy, service, audit entry, database) at >= 60% of the throughput of the
baseline's primary-key read, at 64 concurrent clients, on PostgreSQL.
Creation is reported against the baseline's one-row insert.

Reads are measured after the events the creations left have reached analytics,
so that the relay catching up does not share the machine with them.

Reads are spread over many cases, as an office's reads are: every read writes
an audit entry, and entries about one case share one hash chain (see
ombuds_shared.audit), so hammering a single case would measure that one
chain's lock rather than the read path.

    uv run python -m bench.case_reads [--duration 20] [--concurrency 64] [--cases 64]
"""

from __future__ import annotations

import argparse
import json

import httpx

from bench.harness import drain_outboxes, load, report, running_baseline, running_system
from ombuds.tokens import dev_token

CASE = json.dumps({
    "pillar": "secretariat", "location": "headquarters", "occupational_group": "general_service",
    "intake_channel": "in_person",
})  # fmt: skip


def _ratio(ours: dict[str, object], baseline: dict[str, object]) -> float:
    return float(ours["rps"]) / float(baseline["rps"])  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--cases", type=int, default=64, help="distinct cases the reads spread over"
    )
    args = parser.parse_args()
    print(f"Cases, {args.concurrency} clients, {args.duration:.0f} s each, PostgreSQL")
    with running_baseline() as baseline_url:
        row_ids = [httpx.post(baseline_url + "/rows", content=CASE, timeout=10).json()["id"]
                   for _ in range(args.cases)]  # fmt: skip
        baseline_insert = load(baseline_url + "/rows", method="POST", body=CASE,
                               concurrency=args.concurrency, duration=args.duration)  # fmt: skip
        baseline_read = load([f"{baseline_url}/rows/{row}" for row in row_ids],
                             concurrency=args.concurrency, duration=args.duration)  # fmt: skip
    report("baseline insert (FastAPI + asyncpg)", baseline_insert)
    report("baseline read (FastAPI + asyncpg)", baseline_read)
    with running_system() as system:
        gateway = system.url("gateway")
        token = dev_token(system.data_dir, role="ombudsman", subject="bench-omb", office="geneva")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        case_ids = [httpx.post(gateway + "/v1/cases", content=CASE, headers=headers,
                               timeout=10).json()["id"] for _ in range(args.cases)]  # fmt: skip
        create = load(gateway + "/v1/cases", method="POST", body=CASE, token=token,
                      concurrency=args.concurrency, duration=args.duration)  # fmt: skip
        # Each case opened left an event for the relay to deliver to analytics; the reads
        # are measured once that is done, as the baseline's are on a quiet machine.
        drained = drain_outboxes([system.url("cases")])
        waited = "not within 120 s" if drained is None else f"in {drained:.1f} s"
        print(f"  (the events of the creations reached analytics {waited}; then the reads)")
        read = load([f"{gateway}/v1/cases/{case_id}" for case_id in case_ids], token=token,
                    concurrency=args.concurrency, duration=args.duration)  # fmt: skip
    report("case creation through the gateway", create)
    report("case read through the gateway", read)
    print(f"  creation: {_ratio(create, baseline_insert):.0%} of the baseline insert")
    print(f"  read: {_ratio(read, baseline_read):.0%} of the baseline read (target >= 60%); "
          f"p99 {read['p99_ms']} ms")  # fmt: skip


if __name__ == "__main__":
    main()
