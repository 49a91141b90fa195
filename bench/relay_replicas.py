"""Every service as two replicas behind a load balancer; the outbox relays deliver exactly once.

Each of the five services runs as two uvicorn processes (`harness.running_replicas`),
with a round-robin balancer per service in front (`bench.balancer`); every peer
URL, the gateway's included, points at a balancer, as a Kubernetes Service
would. A workload through the gateway's balancer submits requests at intake,
turns them into cases and drives them on, and opens mediations: cases and
mediation write outbox events, and both replicas of each relay them at once
from one PostgreSQL table (FOR UPDATE SKIP LOCKED) through the gateways to
analytics. Afterwards:

- the delivery counters of the two relays of a producer add up to the events
  it wrote (no event delivered twice, none lost), and each relay delivered some;
- analytics holds exactly the events written: the pseudonyms of the outbox
  event ids (computed with the gateways' key) and nothing else;
- every replica of every service served requests (counted from its /metrics).

    uv run python -m bench.relay_replicas [--cases 200] [--mediations 60] [--replicas 2]

Exit status 0 when every check holds.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.harness import Replicated, drain_outboxes, running_replicas
from gateway.events.pseudonym import Pseudonymizer
from ombuds import system
from ombuds.tokens import dev_token

BODY = {
    "visitor": {"name": "Relay Bench", "email": "relay@example.org"},
    "pillar": "secretariat", "office": "geneva", "location": "headquarters",
    "occupational_group": "general_service",
}  # fmt: skip
MEDIATION = {
    "pillar": "secretariat", "office": "mediation-service", "referral_source": "self_referral",
    "issue_codes": ["2.b"], "parties": [{"reference": "P-1"}, {"reference": "P-2"}],
}  # fmt: skip
PRODUCERS = ("cases", "mediation")
# What the bench itself asks of each replica (probes, scrapes, backlog polls) is not traffic.
NOT_TRAFFIC = frozenset({"/metrics", "/health", "/ready", "/v1/internal/outbox"})


def _metrics(url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """The replica's counters: name -> labels -> value."""
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = collections.defaultdict(dict)
    text = httpx.get(f"{url}/metrics", timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                found[sample.name][tuple(sorted(sample.labels.items()))] = sample.value
    return found


def _requests_served(url: str) -> int:
    samples = _metrics(url)["ombuds_http_requests_total"]
    return int(sum(v for labels, v in samples.items() if dict(labels)["route"] not in NOT_TRAFFIC))


def _delivered(url: str) -> int:
    return int(sum(_metrics(url)["ombuds_outbox_delivered_total"].values()))


def _psql(running: Replicated, service: str, query: str) -> list[str]:
    url = running.extra_env[f"OMBUDS_{service.upper()}_DATABASE_URL"]
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    out = subprocess.run(["psql", dsn, "-qAtc", query], capture_output=True, text=True,
                         check=True, timeout=60).stdout  # fmt: skip
    return out.split()


async def _workload(gateway: str, data_dir: Path, cases: int, mediations: int) -> dict[str, int]:
    """Drives the cases and mediations; returns the count of answers per status code
    (0: no answer at all)."""
    visitor = dev_token(data_dir, role="visitor", subject="relay-visitor")
    ombudsman = dev_token(data_dir, role="ombudsman", subject="relay-omb", office="geneva")
    mediator = dev_token(data_dir, role="mediator", subject="relay-med", office="mediation-service")
    statuses: collections.Counter[int] = collections.Counter()
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:

        async def call(path: str, token: str, body: object = None) -> dict[str, object]:
            headers = {"Authorization": f"Bearer {token}"}
            response = await client.post(path, json=body, headers=headers)
            statuses[response.status_code] += 1
            response.raise_for_status()
            return response.json()  # type: ignore[no-any-return]

        async def one_case() -> None:
            async with limit:
                reference = (await call("/v1/intake/requests", visitor, BODY))["reference"]
                accepted = await call(f"/v1/intake/requests/{reference}/accept", ombudsman)
                case = f"/v1/cases/{accepted['case_id']}"
                await call(f"{case}/conflict-declarations", ombudsman, {"has_conflict": False})
                await call(f"{case}/assignment", ombudsman, {})
                await call(f"{case}/issues", ombudsman, {"code": "2.b"})
                await call(f"{case}/status", ombudsman, {"status": "in_progress"})

        async def one_mediation() -> None:
            async with limit:
                created = await call("/v1/mediations", mediator, MEDIATION)
                await call(f"/v1/mediations/{created['id']}/accept", mediator)

        outcomes = await asyncio.gather(*(one_case() for _ in range(cases)),
                                        *(one_mediation() for _ in range(mediations)),
                                        return_exceptions=True)  # fmt: skip
    # A chain stops at its first failure; one without any answer counts as status 0.
    failed = [o for o in outcomes if isinstance(o, Exception)]
    statuses[0] += sum(1 for o in failed if not isinstance(o, httpx.HTTPStatusError))
    return dict(statuses)


def _drain(running: Replicated, timeout: float = 120) -> bool:
    """Waits until both producers' outboxes are empty (bounded)."""
    return drain_outboxes([running.url(name) for name in PRODUCERS], timeout) is not None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--mediations", type=int, default=60)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    names = [spec.name for spec in system.SERVICES]
    print(f"Every service x{args.replicas} behind a round-robin balancer, PostgreSQL "
          f"({args.cases} cases, {args.mediations} mediations)", flush=True)  # fmt: skip
    problems: list[str] = []
    with running_replicas(args.replicas) as running:
        # The gateway's metrics are on its private listener.
        replica_urls = {
            name: [r.private_url() if name == "gateway" else r.url(name) for r in running.replicas]
            for name in names
        }
        before = {name: [_requests_served(u) for u in urls] for name, urls in replica_urls.items()}
        started = time.perf_counter()
        statuses = asyncio.run(
            _workload(running.url("gateway"), running.data_dir, args.cases, args.mediations)
        )
        worked = time.perf_counter() - started
        drained = _drain(running)
        elapsed = time.perf_counter() - started
        served = {
            name: [_requests_served(u) - b for u, b in zip(urls, before[name], strict=True)]
            for name, urls in replica_urls.items()
        }
        delivered = {name: [_delivered(u) for u in replica_urls[name]] for name in PRODUCERS}
        event_ids = {name: _psql(running, name, "SELECT event_id FROM outbox_event")
                     for name in PRODUCERS}  # fmt: skip
        stored = set(_psql(running, "analytics", "SELECT event_id FROM ingested_event"))
        key = base64.b64decode(running.extra_env["OMBUDS_GATEWAY_PSEUDONYM_KEY"])
    # The gateways pseudonymize event ids with their key; the bench holds it, analytics does not.
    pseudonym = Pseudonymizer(key)
    expected = {pseudonym("event", e) for ids in event_ids.values() for e in ids}

    requests = sum(statuses.values())
    errors = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    print(f"  workload: {requests} requests through the gateway balancer in {worked:.1f} s "
          f"({requests / worked:.0f} req/s), {errors} errors")  # fmt: skip
    print("  requests served per replica (from each replica's /metrics), and connections the "
          "balancer handed each:")  # fmt: skip
    for name in names:
        counts = "  ".join(f"{n:>6}" for n in served[name])
        connections = "  ".join(f"{n:>4}" for n in running.balancer_connections.get(name, []))
        print(f"    {name:<10} requests {counts}    connections {connections}")
        if min(served[name]) == 0:
            problems.append(f"a replica of {name} served no request")
    written = sum(len(ids) for ids in event_ids.values())
    for name in PRODUCERS:
        count, by_replica = len(event_ids[name]), delivered[name]
        shares = ", ".join(f"replica {i + 1} {n}" for i, n in enumerate(by_replica))
        print(f"  {name:<10} events written {count:>6}   delivered by {shares}   "
              f"sum {sum(by_replica):>6}   duplicates {sum(by_replica) - count}")  # fmt: skip
        if sum(by_replica) != count:
            problems.append(f"{name}: {sum(by_replica)} deliveries for {count} events")
        if min(by_replica) == 0:
            problems.append(f"{name}: a replica's relay delivered nothing")
    missing, unexpected = expected - stored, stored - expected
    print(f"  analytics stores {len(stored)} events for {written} written: "
          f"{len(missing)} missing, {len(unexpected)} not written by anyone")  # fmt: skip
    print(
        f"  workload and drain took {elapsed:.1f} s ({written / elapsed:.0f} events/s end to end)"
    )
    if errors:
        problems.append(f"{errors} requests failed: {statuses}")
    if not drained:
        problems.append("the outboxes did not drain within two minutes")
    if missing or unexpected or len(expected) != written:
        problems.append("analytics does not hold exactly the events written")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print("  verdict: " + ("each event delivered exactly once, load spread over every replica"
                           if not problems else "FAILED"))  # fmt: skip
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
