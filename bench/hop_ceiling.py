"""How much of the baseline survives one extra Python hop that does nothing at all.

The case-read and intake targets (issues 2 and 3) are ratios to a baseline
that is one FastAPI process reading or writing PostgreSQL. Ombuds answers
through two processes: the gateway, then the owning service. This puts the
leanest hop we can write (bench/lean_proxy.py: raw ASGI, one aiohttp session;
no token checks, no policy, no logs, no metrics) in front of the baseline
itself, on the same machine, with the same load generator, and reports the
ratio. Any gateway in Python in front of any service at least as costly as
the baseline's primary-key read stays under this ratio, whatever it does.

    uv run python -m bench.hop_ceiling [--duration 20] [--concurrency 64]
"""

from __future__ import annotations

import argparse

import httpx

from bench.case_reads import CASE
from bench.harness import load, report, running_baseline, serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    print(f"One extra hop, {args.concurrency} clients, {args.duration:.0f} s each, PostgreSQL")
    with running_baseline() as baseline_url:
        rows = [httpx.post(baseline_url + "/rows", content=CASE, timeout=10).json()["id"]
                for _ in range(64)]  # fmt: skip
        direct = load([f"{baseline_url}/rows/{row}" for row in rows],
                      concurrency=args.concurrency, duration=args.duration)  # fmt: skip
        report("baseline read, direct", direct)
        lean_env = {"LEAN_PROXY_UPSTREAM": baseline_url}
        with serving("bench.lean_proxy:app", lean_env, f"/rows/{rows[0]}") as proxy_url:
            hopped = load([f"{proxy_url}/rows/{row}" for row in rows],
                          concurrency=args.concurrency, duration=args.duration)  # fmt: skip
    report("baseline read, through the lean hop", hopped)
    ratio = float(hopped["rps"]) / float(direct["rps"])  # type: ignore[arg-type]
    print(f"  ceiling: {ratio:.0%} of the baseline with one extra hop that does nothing")


if __name__ == "__main__":
    main()
