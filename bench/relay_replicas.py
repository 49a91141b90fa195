"""Two replicas of each producing service relaying one outbox at the same time (PostgreSQL).

Cases and mediation each run as two processes on one database; both replicas'
relays poll the same outbox (FOR UPDATE SKIP LOCKED). A workload through the
gateway writes events; afterwards the delivery counters of the four relays
must add up to exactly the number of events written (no event delivered
twice, none lost), and analytics must hold each event once. Requests reach
the first replica of each service through the gateway; the second replica
competes for the outbox only (request balancing across replicas is the
orchestrator's, e.g. a Kubernetes Service).

    uv run python -m bench.relay_replicas [--cases 200] [--mediations 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import time

import httpx

from bench.harness import running_system
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


def _second_replica(running: system.System, name: str) -> tuple[subprocess.Popen[bytes], str]:
    port = system.free_port_block(1)
    env = {**os.environ, **system.service_environment(running.data_dir, running.port),
           **running.extra_env}  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory", f"{name}.main:create_app",
               "--host", system.HOST, "--port", str(port), "--log-level", "warning",
               "--no-access-log"]  # fmt: skip
    return subprocess.Popen(command, env=env), f"http://{system.HOST}:{port}"


def _delivered(url: str, service: str) -> int:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    match = re.search(rf'^ombuds_outbox_delivered_total{{service="{service}"}} (\S+)$', text, re.M)
    return int(float(match.group(1))) if match else 0


def _pending(url: str) -> int:
    return int(httpx.get(f"{url}/v1/internal/outbox", timeout=5).json()["pending"])


async def _workload(gateway: str, data_dir: object, cases: int, mediations: int) -> None:
    visitor = dev_token(data_dir, role="visitor", subject="relay-visitor")  # type: ignore[arg-type]
    ombudsman = dev_token(data_dir, role="ombudsman", subject="relay-omb", office="geneva")  # type: ignore[arg-type]
    mediator = dev_token(data_dir, role="mediator", subject="relay-med",  # type: ignore[arg-type]
                         office="mediation-service")  # fmt: skip
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:

        async def one_case(n: int) -> None:
            async with limit:
                as_visitor = {"Authorization": f"Bearer {visitor}"}
                submitted = await client.post("/v1/intake/requests", json=BODY, headers=as_visitor)
                reference = submitted.json()["reference"]
                auth = {"Authorization": f"Bearer {ombudsman}"}
                accepted = await client.post(
                    f"/v1/intake/requests/{reference}/accept", headers=auth
                )
                case_id = accepted.json()["case_id"]
                await client.post(f"/v1/cases/{case_id}/conflict-declarations",
                                  json={"has_conflict": False}, headers=auth)  # fmt: skip
                await client.post(f"/v1/cases/{case_id}/assignment", json={}, headers=auth)
                await client.post(f"/v1/cases/{case_id}/issues", json={"code": "2.b"}, headers=auth)
                await client.post(f"/v1/cases/{case_id}/status", json={"status": "in_progress"},
                                  headers=auth)  # fmt: skip

        async def one_mediation(n: int) -> None:
            async with limit:
                auth = {"Authorization": f"Bearer {mediator}"}
                created = await client.post("/v1/mediations", json=MEDIATION, headers=auth)
                await client.post(f"/v1/mediations/{created.json()['id']}/accept", headers=auth)

        await asyncio.gather(*(one_case(n) for n in range(cases)),
                             *(one_mediation(n) for n in range(mediations)))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--mediations", type=int, default=60)
    args = parser.parse_args()
    print(f"Outbox relays, 2 replicas each of cases and mediation, PostgreSQL "
          f"({args.cases} cases, {args.mediations} mediations)")  # fmt: skip
    with running_system() as running:
        replicas = {name: _second_replica(running, name) for name in ("cases", "mediation")}
        try:
            running.wait_healthy(60)
            for process, url in replicas.values():
                for _ in range(300):
                    try:
                        if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                assert process.poll() is None
            started = time.perf_counter()
            asyncio.run(_workload(running.url("gateway"), running.data_dir, args.cases,
                                  args.mediations))  # fmt: skip
            for _ in range(1200):  # bounded: two minutes
                if all(_pending(running.url(n)) == 0 for n in ("cases", "mediation")):
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            written = delivered_total = 0
            for name in ("cases", "mediation"):
                first = _delivered(running.url(name), name)
                second = _delivered(replicas[name][1], name)
                events = _count(running, name, "SELECT count(*) FROM outbox_event")
                written += events
                delivered_total += first + second
                print(f"  {name:<10} events written {events:>6}   delivered by replica 1 "
                      f"{first:>6}, replica 2 {second:>6}   sum {first + second:>6}")  # fmt: skip
            stored = _count(running, "analytics", "SELECT count(*) FROM ingested_event")
            verdict = "exactly once" if written == delivered_total == stored else "MISMATCH"
            print(
                f"  analytics holds {stored} events; {written} written, {delivered_total} "
                f"delivered in all: {verdict}"
            )
            print(f"  workload and drain took {elapsed:.1f} s ({written / elapsed:.0f} events/s)")
        finally:
            for process, _ in replicas.values():
                process.terminate()
                process.wait(10)


def _count(running: system.System, service: str, query: str) -> int:
    url = running.extra_env[f"OMBUDS_{service.upper()}_DATABASE_URL"]
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    out = subprocess.run(["psql", dsn, "-qAtc", query], capture_output=True, text=True,
                         check=True, timeout=60).stdout  # fmt: skip
    return int(out.strip())


if __name__ == "__main__":
    main()
