"""CPU time per request of each process: where the cost of a request goes.

Throughput ratios say how far Ombuds is from the baseline; this says which
process spends the difference. It drives the same load as bench.case_reads
(or bench.intake_submissions with --route intake) and reads each process's
CPU time from /proc before and after: the baseline's one process, then the
gateway and the owning service, and PostgreSQL's backends in both runs.
With --route mixed it sends bench.mixed_workload's mix open-loop at --rate
instead (no baseline) and reports every service process, PostgreSQL and the
load generator. Linux only. Unlike the ratios, these figures grow on a busy
machine.

    uv run python -m bench.cpu_per_request [--route read|intake] [--duration 10]
    uv run python -m bench.cpu_per_request --route mixed [--rate 150] [--duration 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.case_reads import CASE
from bench.harness import load, report, running_baseline, running_system
from bench.intake_submissions import BODY
from ombuds.tokens import dev_token

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine (the bench's backends among them)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # it ended meanwhile
    return total


@contextmanager
def measured(pids: dict[str, int]) -> Iterator[Callable[[float], dict[str, float]]]:
    """Yields a function that, given the requests served, returns µs of CPU per request."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    before["postgres"] = postgres_cpu_seconds()

    def per_request(requests: float) -> dict[str, float]:
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        after["postgres"] = postgres_cpu_seconds()
        return {name: (after[name] - before[name]) / requests * 1e6 for name in before}

    yield per_request


def _pid_listening(url: str) -> int:
    port = url.rsplit(":", 1)[1]
    found = subprocess.run(
        ["pgrep", "-f", f"uvicorn .*port {port}"], capture_output=True, text=True
    )
    return int(found.stdout.split()[0])


def _print(costs: dict[str, float]) -> None:
    for name, micros in costs.items():
        if micros >= 1:
            print(f"    {name:<10} {micros:7.0f} µs/request")


def children_cpu_seconds() -> float:
    """CPU time of the child processes this one has waited for (the load generator's runs)."""
    usage = os.times()
    return usage.children_user + usage.children_system


def mixed(rate: float, duration: float) -> None:
    """CPU per request of every process under bench.mixed_workload's mix at a fixed rate."""
    from bench import mixed_workload

    print(f"CPU per request, mixed workload, {rate:g} req/s open loop, {duration:.0f} s")
    with running_system() as system:
        plan = mixed_workload.seed_workload(system, cases=30)
        mixed_workload.generate(plan, [(rate, 3)])  # warm up
        pids = {name: process.pid for name, process in system.processes.items()}
        generator_before = children_cpu_seconds()
        with measured(pids) as per_request:
            figures = mixed_workload.generate(plan, [(rate, duration)])["phases"][0]
            costs = per_request(float(figures["requests"]))
        costs["generator"] = (children_cpu_seconds() - generator_before) / figures["requests"] * 1e6
    print(mixed_workload.line(f"{rate:g} req/s", figures))
    _print(costs)
    ours = sum(v for k, v in costs.items() if k not in ("postgres", "generator"))
    print(f"    services   {ours:7.0f} µs/request; all {sum(costs.values()):7.0f} µs/request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--route", choices=("read", "intake", "mixed"), default="read")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=150, help="requests a second (mixed)")
    args = parser.parse_args()
    if args.route == "mixed":
        mixed(args.rate, args.duration)
        return
    run = {"concurrency": args.concurrency, "duration": args.duration}
    print(f"CPU per request, {args.route}, {args.concurrency} clients, {args.duration:.0f} s")
    with running_baseline() as baseline_url:
        if args.route == "read":
            rows = [httpx.post(baseline_url + "/rows", content=CASE, timeout=10).json()["id"]
                    for _ in range(64)]  # fmt: skip
            target: dict[str, object] = {"url": [f"{baseline_url}/rows/{r}" for r in rows]}
        else:
            target = {"url": baseline_url + "/rows", "method": "POST", "body": BODY}
        load(**target, concurrency=args.concurrency, duration=2)  # type: ignore[arg-type]
        with measured({"baseline": _pid_listening(baseline_url)}) as per_request:
            figures = load(**target, **run)  # type: ignore[arg-type]
            baseline_costs = per_request(float(figures["requests"]))  # type: ignore[arg-type]
    report("baseline", figures)
    _print(baseline_costs)
    with running_system() as system:
        gateway = system.url("gateway")
        if args.route == "read":
            token = dev_token(system.data_dir, role="ombudsman", subject="bench", office="geneva")
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            cases = [httpx.post(gateway + "/v1/cases", content=CASE, headers=headers,
                                timeout=10).json()["id"] for _ in range(64)]  # fmt: skip
            target = {"url": [f"{gateway}/v1/cases/{c}" for c in cases], "token": token}
            service = "cases"
        else:
            token = dev_token(system.data_dir, role="hr_portal", subject="bench-portal")
            body = json.dumps(json.loads(BODY) | {"consent_to_contact": True})
            target = {"url": gateway + "/v1/intake/requests", "method": "POST", "body": body,
                      "token": token, "idempotency": True}  # fmt: skip
            service = "intake"
        load(**target, concurrency=args.concurrency, duration=2)  # type: ignore[arg-type]
        pids = {name: system.processes[name].pid for name in ("gateway", service)}
        with measured(pids) as per_request:
            figures = load(**target, **run)  # type: ignore[arg-type]
            costs = per_request(float(figures["requests"]))  # type: ignore[arg-type]
    report(f"{args.route} through the gateway", figures)
    _print(costs)
    ours = costs["gateway"] + costs[service]
    print(f"  gateway + {service}: {ours / baseline_costs['baseline']:.1f}x the baseline's CPU")


if __name__ == "__main__":
    main()
