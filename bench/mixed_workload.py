"""A mixed workload through the gateway: the sustained rate, then a burst, then recovery.

Target (issue 7), on PostgreSQL, on a 2-core machine with the load generator on
it: about 80% reads and 20% writes across intake, cases, mediation,
certificates and analytics, sent open-loop from a second process
(bench/mixgen.py). The benchmark

1. finds the sustained rate: steps the rate up until p99 reaches 250 ms or any
   request fails (twice in a row: one failure may be noise on a shared
   machine), then narrows down between the last rate that held and the first
   that did not;
2. holds that rate for --hold-seconds (default 120) and reports it; if it does
   not hold, steps down by 15% and tries again (at most five times);
3. sends a burst of --burst-factor times that rate (doubled, at most twice, if
   nothing was shed: the burst must go above capacity): the excess must be
   shed with 429 or 503 (problem details), with no other 5xx, no unanswered
   requests and no service process lost;
4. goes back to the sustained rate at once and reports how long until p99 is
   under 250 ms again with no errors (target: within 30 s).

Rate limits per caller are lifted (one generator is one client); the gateway's
concurrency limit (load shedding) stays as configured, --gateway-limit to
change it. Logs at WARNING, as in the other benchmarks.

    uv run python -m bench.mixed_workload [--hold-seconds 120] [--quick]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench import mixgen
from bench.certificate_lookups import CASE_NUMBER, issue_certificate
from bench.harness import HERE, running_system
from ombuds import system
from ombuds.tokens import dev_token

OFFICE = "geneva"
CASE_BODY = {"pillar": "secretariat", "location": "headquarters",
             "occupational_group": "general_service", "intake_channel": "in_person"}  # fmt: skip
REQUEST_BODY = {
    "visitor": {"name": "Bench Visitor", "email": "bench@example.org"},
    "pillar": "secretariat", "office": OFFICE, "location": "headquarters",
    "occupational_group": "general_service", "consent_to_contact": True,
}  # fmt: skip
MEDIATION_BODY = {"pillar": "secretariat", "referral_source": "self_referral",
                  "parties": [{"reference": "B-1"}, {"reference": "B-2"}]}  # fmt: skip
SHED_STATUSES = {"429", "503"}
NOT_SENT = str(mixgen.NOT_SENT)


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.url.path}: {response.status_code} {response.text}")
    return response.json()  # type: ignore[no-any-return]


def seed_workload(running: system.System, *, cases: int) -> list[dict[str, Any]]:
    """Creates what the reads read (cases taken by an ombudsman, requests, mediations, a
    certificate) and returns the plan of the mix: about 80% reads, 20% writes."""
    gateway = running.url("gateway")
    data_dir = running.data_dir
    tokens = {
        "ombudsman": dev_token(data_dir, role="ombudsman", subject="bench-omb", office=OFFICE),
        "portal": dev_token(data_dir, role="hr_portal", subject="bench-portal"),
        "mediator": dev_token(data_dir, role="mediator", subject="bench-med",
                              office="mediation-service"),
        "registry": dev_token(
            data_dir, role="registry", subject="bench-registry", tribunal="dispute_tribunal"
        ),
        "analyst": dev_token(data_dir, role="analyst", subject="bench-analyst"),
    }  # fmt: skip

    def headers(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    def post(client: httpx.Client, who: str, path: str, body: object) -> dict[str, Any]:
        key = {"Idempotency-Key": uuid.uuid4().hex}  # integrators must send one
        return _ok(client.post(path, json=body, headers=headers(who) | key))

    def taken_case(client: httpx.Client) -> str:
        case_id = str(post(client, "ombudsman", "/v1/cases", CASE_BODY)["id"])
        declaration = {"has_conflict": False}
        post(client, "ombudsman", f"/v1/cases/{case_id}/conflict-declarations", declaration)
        post(client, "ombudsman", f"/v1/cases/{case_id}/assignment", {})
        return case_id

    def request(client: httpx.Client) -> str:
        return str(post(client, "portal", "/v1/intake/requests", REQUEST_BODY)["reference"])

    def mediation(client: httpx.Client) -> str:
        return str(post(client, "mediator", "/v1/mediations", MEDIATION_BODY)["id"])

    def many(make: Callable[[httpx.Client], str], count: int) -> list[str]:
        with httpx.Client(base_url=gateway, timeout=60) as client, \
                concurrent.futures.ThreadPoolExecutor(4) as pool:  # fmt: skip
            return list(pool.map(lambda _: make(client), range(count)))

    case_ids = many(taken_case, cases)
    references = many(request, cases)
    mediation_ids = many(mediation, max(10, cases // 2))
    certificate_id = issue_certificate(gateway, data_dir)
    today = dt.datetime.now(dt.UTC).date().isoformat()

    def kind(name: str, weight: float, who: str, method: str, urls: list[str],
             body: object = None, idempotency: bool = False) -> dict[str, Any]:  # fmt: skip
        return {"name": name, "weight": weight, "method": method, "token": tokens[who],
                "urls": [gateway + url for url in urls], "idempotency": idempotency,
                "body": None if body is None else json.dumps(body)}  # fmt: skip

    return [
        # Reads: 80
        kind("case read", 20, "ombudsman", "GET", [f"/v1/cases/{c}" for c in case_ids]),
        kind("case list", 8, "ombudsman", "GET", ["/v1/cases?limit=20"]),
        kind("case issues", 4, "ombudsman", "GET", [f"/v1/cases/{c}/issues" for c in case_ids]),
        kind("request read", 6, "ombudsman", "GET",
             [f"/v1/intake/requests/{r}" for r in references]),
        kind("mediation read", 12, "mediator", "GET",
             [f"/v1/mediations/{m}" for m in mediation_ids]),
        kind("mediation list", 4, "mediator", "GET", ["/v1/mediations?limit=20"]),
        kind("certificate by id", 12, "registry", "GET", [f"/v1/certificates/{certificate_id}"]),
        kind("certificate by number", 4, "registry", "GET",
             [f"/v1/certificates?tribunal_case_number={quote(CASE_NUMBER, safe='')}"]),
        kind("statistic", 8, "analyst", "GET", ["/v1/analytics/statistics/cases-opened"]),
        kind("statistics list", 2, "analyst", "GET", ["/v1/analytics/statistics"]),
        # Writes: 20
        kind("request submit", 6, "portal", "POST", ["/v1/intake/requests"], REQUEST_BODY,
             idempotency=True),
        kind("case open", 4, "ombudsman", "POST", ["/v1/cases"], CASE_BODY),
        kind("service given", 3, "ombudsman", "POST",
             [f"/v1/cases/{c}/services" for c in case_ids], {"service": "consultation"}),
        kind("mediation open", 4, "mediator", "POST", ["/v1/mediations"], MEDIATION_BODY),
        kind("outreach record", 3, "analyst", "POST", ["/v1/analytics/outreach"],
             {"activity_type": "workshop", "held_on": today, "office": OFFICE,
              "participants": 12}),
    ]  # fmt: skip


def generate(plan: list[dict[str, Any]], phases: list[tuple[float, float]],
             timeout: float = 10.0) -> dict[str, Any]:  # fmt: skip
    """Runs bench.mixgen in its own process for the phases; returns its figures."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(plan, file)
    command = [sys.executable, "-m", "bench.mixgen", "--plan", file.name,
               "--timeout", str(timeout)]  # fmt: skip
    for rate, seconds in phases:
        command += ["--phase", f"{rate:g}:{seconds:g}"]
    total = sum(seconds for _, seconds in phases)
    try:
        output = subprocess.run(command, cwd=HERE.parent, capture_output=True, text=True,
                                check=True, timeout=total + timeout + 120).stdout  # fmt: skip
    finally:
        Path(file.name).unlink(missing_ok=True)
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def holds(figures: dict[str, Any], p99_ms: float) -> bool:
    return bool(figures["errors"] == 0 and figures["p99_ms"] < p99_ms)


def line(label: str, figures: dict[str, Any]) -> str:
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(figures["statuses"].items()))
    return (f"  {label:<24} {figures['rps']:>7} req/s  p50 {figures['p50_ms']:>7} ms  "
            f"p99 {figures['p99_ms']:>7} ms  errors {figures['errors']:>5}  "
            f"(generator late p99 {figures['generator_late_p99_ms']} ms)  "
            f"[{statuses}]")  # fmt: skip


def step_holds(plan: list[dict[str, Any]], rate: float, args: argparse.Namespace) -> bool:
    """One step of the search; a failure is tried once more before it counts, so that a
    moment of noise from elsewhere on a shared machine does not end the search early."""
    for attempt in range(2):
        figures = generate(plan, [(rate, args.step_seconds)])["phases"][0]
        ok = holds(figures, args.p99_ms)
        verdict = "holds" if ok else ("fails" if attempt else "fails, once more")
        print(line(f"{rate:g} req/s {verdict}", figures), flush=True)
        if ok:
            return True
    return False


def find_sustained_rate(plan: list[dict[str, Any]], args: argparse.Namespace) -> float:
    """Steps the rate up until it fails, then narrows between the last pass and first fail."""
    passed, failed = 0.0, 0.0
    rate = args.start_rate
    while rate <= args.max_rate:
        if not step_holds(plan, rate, args):
            failed = rate
            break
        passed = rate
        rate = round(rate * args.step_factor)
    if not failed:
        return passed
    for _ in range(args.refine_steps):
        middle = round((passed + failed) / 2)
        if middle in (passed, failed):
            break
        passed, failed = (middle, failed) if step_holds(plan, middle, args) else (passed, middle)
    return passed


def recovery_seconds(phase: dict[str, Any], p99_ms: float) -> float | None:
    """Seconds into the phase from which the rest of it, taken together, is normal again:
    p99 under the target and no errors."""
    for rest in phase["settling"]:
        if rest["errors"] == 0 and rest["p99_ms"] < p99_ms:
            return float(rest["from_second"])
    return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--hold-seconds",
        type=float,
        default=120,
        help="how long the sustained rate must hold (issue: >= 120)",
    )
    parser.add_argument("--step-seconds", type=float, default=15, help="per step of the search")
    parser.add_argument("--hold-tries", type=int, default=5, help="holds tried, each lower")
    parser.add_argument("--hold-step-down", type=float, default=0.85, help="rate factor per try")
    parser.add_argument("--start-rate", type=float, default=40)
    parser.add_argument("--step-factor", type=float, default=1.3)
    parser.add_argument("--max-rate", type=float, default=3000)
    parser.add_argument("--refine-steps", type=int, default=2)
    parser.add_argument("--p99-ms", type=float, default=250)
    parser.add_argument("--burst-factor", type=float, default=3.0)
    parser.add_argument("--burst-seconds", type=float, default=20)
    parser.add_argument("--recovery-seconds", type=float, default=45)
    parser.add_argument("--recovery-target", type=float, default=30)
    parser.add_argument("--cases", type=int, default=100, help="seeded cases the reads spread over")
    parser.add_argument(
        "--gateway-limit",
        type=int,
        help="the gateway's max_concurrent_requests (default: its setting)",
    )
    parser.add_argument(
        "--rate", type=float, help="skip the search and hold this rate (e.g. a previous result)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short smoke run (steps 5 s, hold 10 s, burst 5 s, recovery 35 s)",
    )
    args = parser.parse_args()  # fmt: skip
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.quick:
        args.step_seconds, args.hold_seconds, args.burst_seconds = 5, 10, 5
        args.recovery_seconds, args.refine_steps, args.cases = 35, 1, 30
    env = {"OMBUDS_GATEWAY_LOG_LEVEL": "WARNING"}
    if args.gateway_limit:
        env["OMBUDS_GATEWAY_MAX_CONCURRENT_REQUESTS"] = str(args.gateway_limit)
    print(f"Mixed workload through the gateway, PostgreSQL, p99 target {args.p99_ms:g} ms")
    with running_system(env) as running:
        plan = seed_workload(running, cases=args.cases)
        reads = sum(k["weight"] for k in plan if k["method"] == "GET")
        print(f"  mix: {len(plan)} kinds of request, {reads / sum(k['weight'] for k in plan):.0%} "
              f"reads; seeded {args.cases} cases")  # fmt: skip
        print("1. searching for the sustained rate", flush=True)
        rate = args.rate or find_sustained_rate(plan, args)
        if not rate:
            print("  no rate held, not even the first step; nothing more to measure")
            return
        print(f"2. holding {rate:g} req/s for {args.hold_seconds:g} s", flush=True)
        # A short step can pass at a rate that a long hold cannot (the database's background
        # work, the relays' batches come in between), so the hold steps down until one holds.
        held = None
        for _ in range(args.hold_tries):
            figures = generate(plan, [(rate, args.hold_seconds)])["phases"][0]
            print(line(f"{rate:g} req/s held" if holds(figures, args.p99_ms)
                       else f"{rate:g} req/s failed", figures), flush=True)  # fmt: skip
            if holds(figures, args.p99_ms):
                held = figures
                break
            rate = round(rate * args.hold_step_down)
        if held is None:
            print(f"  no rate held for the whole period in {args.hold_tries} tries; "
                  "reported above")  # fmt: skip
        for name, kind in sorted((held or figures)["kinds"].items()):
            print(f"      {name:<22} p50 {kind['p50_ms']:>7} ms  p99 {kind['p99_ms']:>7} ms  "
                  f"errors {kind['errors']}")  # fmt: skip
        # The burst must go above what the system can take; if nothing was shed, it did
        # not, and a bigger one follows (at most three).
        factor = args.burst_factor
        for _ in range(3):
            burst = round(rate * factor)
            print(f"3. burst of {burst:g} req/s for {args.burst_seconds:g} s, then "
                  f"4. back to {rate:g} req/s for {args.recovery_seconds:g} s")  # fmt: skip
            result = generate(plan, [(burst, args.burst_seconds), (rate, args.recovery_seconds)])
            burst_figures, after = result["phases"]
            print(line("burst", burst_figures))
            print(line("after the burst", after))
            shed = sum(v for k, v in burst_figures["statuses"].items() if k in SHED_STATUSES)
            if shed:
                break
            print("  nothing was shed: the burst was within capacity; doubling it")
            factor *= 2
        lost = running.exited()
        other_5xx = sum(v for phase in (burst_figures, after)
                        for k, v in phase["statuses"].items()
                        if k.startswith("5") and k not in SHED_STATUSES | {NOT_SENT})  # fmt: skip
        not_sent = sum(phase["statuses"].get(NOT_SENT, 0) for phase in (burst_figures, after))
        recovery_timeline = result["timeline"][int(args.burst_seconds) :]
        recovered = recovery_seconds(after, args.p99_ms)
        print(
            f"  shed in the burst: {shed} of {burst_figures['requests']} (429/503); "
            f"other 5xx or no answer: {other_5xx}; service processes lost: {lost or 'none'}"
        )
        if not_sent:
            print(f"  not sent by the generator, already at --max-outstanding open requests: "
                  f"{not_sent}")  # fmt: skip
        outcome = (f"after {recovered:g} s" if recovered is not None
                   else f"not within {args.recovery_seconds:g} s")  # fmt: skip
        print(f"  back to normal (p99 < {args.p99_ms:g} ms, no errors, from then on): "
              f"{outcome} (target <= {args.recovery_target:g} s)")  # fmt: skip
        print("  per second after the burst (p99 ms / errors): " + " ".join(
            f"{s['p99_ms']:g}/{s['errors']}" for s in recovery_timeline))  # fmt: skip
        verdict = {
            "sustained_rps": rate if held else None,
            "held_seconds": args.hold_seconds if held else 0,
            "held_p99_ms": held["p99_ms"] if held else None,
            "burst_rps": burst,
            "shed": shed,
            "other_5xx_or_unanswered": other_5xx,
            "not_sent_generator_at_its_limit": not_sent,
            "processes_lost": lost,
            "recovered_after_seconds": recovered,
        }
        print(json.dumps(verdict))


if __name__ == "__main__":
    main()
