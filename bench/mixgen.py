"""An open-loop HTTP load generator for a weighted mix of requests (aiohttp), in its own process.

Requests are sent at a fixed rate whatever the server does (open loop), so a
slow server cannot slow the load down and hide its own latency: each latency
is measured from the moment the request was due, not from when it went out.
A run is a sequence of phases (`--phase RATE:SECONDS`, repeatable), e.g. a
burst followed by the normal rate. The plan (`--plan plan.json`) lists the
kinds of request, each with a weight:

    [{"name": "read case", "weight": 22, "method": "GET", "urls": ["http://..."],
      "token": "...", "body": null, "idempotency": false}, ...]

Prints one JSON object: per phase and per kind, the requests, statuses,
latency percentiles, and a per-second timeline (to see how fast a burst is
absorbed). A request that gets no answer within --timeout counts under status
599; one not sent because --max-outstanding requests were still open, under 598.

    uv run python -m bench.mixgen --plan plan.json --phase 200:60 [--phase 600:20 ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

NO_ANSWER = 599
# Not sent at all: the generator already had --max-outstanding requests open. A limit of
# the generator, not an answer of the server; reported apart so the two are not confused.
NOT_SENT = 598


@dataclass(frozen=True)
class Kind:
    name: str
    weight: float
    method: str
    urls: list[str]
    token: str | None = None
    body: str | None = None
    idempotency: bool = False


@dataclass
class Sample:
    kind: str
    phase: int
    due: float  # seconds since the start of the run
    latency: float
    status: int
    late: float = 0.0  # how long after it was due the generator sent it


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    outstanding: int = 0


def load_plan(path: str) -> list[Kind]:
    with open(path) as plan:
        return [Kind(**kind) for kind in json.load(plan)]


async def _send(session: aiohttp.ClientSession, kind: Kind, turn: int, phase: int, due: float,
                started: float, recorder: Recorder) -> None:  # fmt: skip
    headers: dict[str, str] = {}
    if kind.token:
        headers["Authorization"] = f"Bearer {kind.token}"
    if kind.body is not None:
        headers["Content-Type"] = "application/json"
    if kind.idempotency:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    url = kind.urls[turn % len(kind.urls)]
    late = time.perf_counter() - started - due
    try:
        async with session.request(kind.method, url, data=kind.body, headers=headers) as resp:
            await resp.read()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError):
        status = NO_ANSWER
    finally:
        recorder.outstanding -= 1
    latency = time.perf_counter() - started - due
    recorder.samples.append(Sample(kind.name, phase, due, latency, status, late))


async def run(kinds: list[Kind], phases: list[tuple[float, float]], *, request_timeout: float,
              max_outstanding: int, seed: int) -> Recorder:  # fmt: skip
    chooser = random.Random(seed)
    weights = [k.weight for k in kinds]
    recorder = Recorder()
    tasks: set[asyncio.Task[None]] = set()
    connector = aiohttp.TCPConnector(limit=max_outstanding, limit_per_host=max_outstanding)
    client_timeout = aiohttp.ClientTimeout(total=request_timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        started = time.perf_counter()
        phase_start = 0.0
        turns = dict.fromkeys((k.name for k in kinds), 0)
        for index, (rate, seconds) in enumerate(phases):
            count = int(rate * seconds)
            for n in range(count):
                due = phase_start + n / rate
                # Always yield, even when behind: the requests already sent need the loop too.
                await asyncio.sleep(max(0.0, started + due - time.perf_counter()))
                kind = chooser.choices(kinds, weights)[0]
                if recorder.outstanding >= max_outstanding:
                    recorder.samples.append(Sample(kind.name, index, due, 0.0, NOT_SENT))
                    continue
                recorder.outstanding += 1
                turns[kind.name] += 1
                task = asyncio.create_task(
                    _send(session, kind, turns[kind.name], index, due, started, recorder)
                )
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            phase_start += seconds
        if tasks:
            await asyncio.wait(tasks, timeout=request_timeout + 5)
    return recorder


def percentile(values: list[float], p: float) -> float:
    """The p-quantile (0..1) in milliseconds; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)


def summarize(samples: list[Sample], seconds: float) -> dict[str, Any]:
    latencies = [s.latency for s in samples if s.status < 400]
    statuses: dict[str, int] = {}
    for sample in samples:
        statuses[str(sample.status)] = statuses.get(str(sample.status), 0) + 1
    return {
        "requests": len(samples),
        "rps": round(len(samples) / seconds, 1) if seconds else 0.0,
        "ok": len(latencies),
        "errors": len(samples) - len(latencies),
        "statuses": statuses,
        # Latency of the answered requests; failures are counted, not timed.
        "p50_ms": percentile(latencies, 0.50),
        "p90_ms": percentile(latencies, 0.90),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": percentile(latencies, 1.0),
        # When this grows, the generator (not the server) could not keep to the schedule.
        "generator_late_p99_ms": percentile([s.late for s in samples], 0.99),
    }


def settling(samples: list[Sample], start: float, seconds: float) -> list[dict[str, Any]]:
    """For each second of a phase, p99 and errors of the rest of the phase from then on:
    after a burst, the first second from which the rest looks normal is the recovery time."""
    rest = []
    for second in range(int(seconds)):
        tail = [s for s in samples if s.due >= start + second]
        figures = summarize(tail, seconds - second)
        rest.append({"from_second": second, "p99_ms": figures["p99_ms"],
                     "errors": figures["errors"]})  # fmt: skip
    return rest


def report(recorder: Recorder, phases: list[tuple[float, float]]) -> dict[str, Any]:
    result: dict[str, Any] = {"phases": []}
    phase_start = 0.0
    for index, (rate, seconds) in enumerate(phases):
        mine = [s for s in recorder.samples if s.phase == index]
        by_kind = sorted({s.kind for s in mine})
        result["phases"].append({
            "rate": rate, "seconds": seconds, **summarize(mine, seconds),
            "kinds": {k: summarize([s for s in mine if s.kind == k], seconds) for k in by_kind},
            "settling": settling(mine, phase_start, seconds),
        })  # fmt: skip
        phase_start += seconds
    seconds_total = int(sum(seconds for _, seconds in phases))
    buckets: list[list[Sample]] = [[] for _ in range(seconds_total + 1)]
    for sample in recorder.samples:
        buckets[min(seconds_total, int(sample.due))].append(sample)
    result["timeline"] = [
        {"second": second, **summarize(bucket, 1.0)}
        for second, bucket in enumerate(buckets[:seconds_total])
    ]
    return result


def parse_phase(text: str) -> tuple[float, float]:
    rate, _, seconds = text.partition(":")
    try:
        parsed = float(rate), float(seconds)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a phase is RATE:SECONDS, e.g. 200:60") from exc
    if parsed[0] <= 0 or parsed[1] <= 0:
        raise argparse.ArgumentTypeError("rate and seconds must be positive")
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--plan", required=True, help="JSON file listing the kinds of request")
    parser.add_argument("--phase", type=parse_phase, action="append", required=True,
                        help="RATE:SECONDS, requests a second for so long; repeatable")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=10.0, help="per request, seconds")
    parser.add_argument("--max-outstanding", type=int, default=1024,
                        help="requests open at once before new ones count as failed")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    recorder = asyncio.run(run(load_plan(args.plan), args.phase, request_timeout=args.timeout,
                               max_outstanding=args.max_outstanding, seed=args.seed))  # fmt: skip
    json.dump(report(recorder, args.phase), sys.stdout)
    print()


if __name__ == "__main__":
    main()
