"""Soak: steady mixed load for a long time, and the memory of every service process over it.

Target (issue 7): memory stays flat. The system runs on PostgreSQL (per-run
databases), the mix of bench/mixed_workload.py (about 80% reads, 20% writes)
is sent open-loop from a second process at --rate for --duration seconds, and
each service's resident memory (VmRSS in /proc/<pid>/status) is sampled every
--sample-seconds. After --warmup-seconds (caches filling, pools opening,
the allocator settling), a least-squares line through each series gives its
slope; a process is flat when that slope stays under --max-slope-mb-per-min
(default 0.5 MB/min, i.e. under 5 MB over a 10-minute run after warm-up).

    uv run python -m bench.soak [--duration 600] [--rate 60] [--sample-seconds 10]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import HERE, running_system
from bench.mixed_workload import line, seed_workload
from ombuds import system


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB, or None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    for entry in status.splitlines():
        if entry.startswith("VmRSS:"):
            return int(entry.split()[1]) / 1024  # kB
    return None


def requests_served(url: str) -> float:
    """The requests a service counted (its /metrics), to show each one was exercised."""
    try:
        page = httpx.get(url + "/metrics", timeout=10).text
    except httpx.HTTPError:
        return float("nan")
    return sum(float(entry.rsplit(" ", 1)[1]) for entry in page.splitlines()
               if entry.startswith("ombuds_http_requests_total{"))  # fmt: skip


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per minute."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_m = sum(m for _, m in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (m - mean_m) for t, m in points) / spread * 60


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=600, help="seconds of load")
    parser.add_argument(
        "--rate",
        type=float,
        default=60,
        help="requests a second (below the sustained rate of mixed_workload)",
    )
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument(
        "--warmup-seconds",
        type=float,
        default=120,
        help="left out of the slope (at most half the run)",
    )
    parser.add_argument("--max-slope-mb-per-min", type=float, default=0.5)
    parser.add_argument("--cases", type=int, default=100)
    args = parser.parse_args()  # fmt: skip
    warmup = min(args.warmup_seconds, args.duration / 2)
    print(f"Soak: {args.rate:g} req/s of the mixed workload for {args.duration:g} s, PostgreSQL; "
          f"RSS every {args.sample_seconds:g} s, slope after {warmup:g} s")  # fmt: skip
    with running_system({"OMBUDS_GATEWAY_LOG_LEVEL": "WARNING"}) as running:
        plan = seed_workload(running, cases=args.cases)
        pids = {name: process.pid for name, process in running.processes.items()}
        names = [spec.name for spec in system.SERVICES]
        series: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(plan, file)
        command = [sys.executable, "-m", "bench.mixgen", "--plan", file.name,
                   "--phase", f"{args.rate:g}:{args.duration:g}"]  # fmt: skip
        print("  " + "t (s)".rjust(6) + "".join(f"{name:>11}" for name in names) + "   (RSS MB)")
        # The generator's figures go to a file: a long run's figures outgrow a pipe's buffer,
        # and a generator blocked writing them would never end.
        figures_file = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed below
        generator = subprocess.Popen(command, cwd=HERE.parent, stdout=figures_file, text=True)
        started = time.monotonic()
        try:
            for tick in range(1_000_000):  # bounded; the generator's end stops it
                elapsed = time.monotonic() - started
                sample = {name: rss_mb(pid) for name, pid in pids.items()}
                for name, value in sample.items():
                    if value is not None:
                        series[name].append((elapsed, value))
                row = "".join(f"{sample[name] or float('nan'):11.1f}" for name in names)
                print(f"  {elapsed:6.0f}{row}", flush=True)
                if generator.poll() is not None:
                    break
                time.sleep(max(0.0, started + (tick + 1) * args.sample_seconds - time.monotonic()))
            generator.wait(timeout=args.duration + 120)
            figures_file.seek(0)
            output = figures_file.read()
        finally:
            figures_file.close()
            if generator.poll() is None:
                generator.kill()
                generator.wait(10)
            Path(file.name).unlink(missing_ok=True)
        lost = running.exited()
        served = {
            name: requests_served(running.private_url() if name == "gateway" else running.url(name))
            for name in names
        }
    figures = json.loads(output.strip().splitlines()[-1])["phases"][0]
    print(line("load over the run", figures))
    print(f"  after warm-up ({warmup:g} s): slope per process, bound "
          f"{args.max_slope_mb_per_min:g} MB/min")  # fmt: skip
    verdict: dict[str, object] = {"processes_lost": lost, "errors": figures["errors"]}
    for name in names:
        kept = [(t, m) for t, m in series[name] if t >= warmup]
        slope = slope_per_minute(kept)
        flat = slope < args.max_slope_mb_per_min
        first, last = (kept[0][1], kept[-1][1]) if kept else (0.0, 0.0)
        peak = max((m for _, m in series[name]), default=0.0)
        print(f"    {name:<10} {first:7.1f} -> {last:7.1f} MB (peak {peak:.1f})  slope "
              f"{slope:+.2f} MB/min  {'flat' if flat else 'GROWING'}  "
              f"({served[name]:.0f} requests served)")  # fmt: skip
        verdict[name] = {"slope_mb_per_min": round(slope, 3), "flat": flat,
                         "rss_mb_start": round(first, 1), "rss_mb_end": round(last, 1)}  # fmt: skip
    print(json.dumps(verdict))


if __name__ == "__main__":
    main()
