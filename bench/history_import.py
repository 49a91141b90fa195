"""An office's 15-year history imported end to end on PostgreSQL, until analytics has it all.

Writes a JSON Lines file of N cases (default 37,500: 15 years of an office like the
seed report's, 2,500 a year) with issues, services, a status change and a closure,
then runs `ombuds import`'s own code against the five services as processes (each
on a fresh PostgreSQL database), and waits until the cases service's outbox is
empty: analytics has acknowledged every event. It then checks the statistics per
year against the file and prints:

- cases/s for the import alone and end to end (import + delivery to analytics);
- the peak RSS of the importing process (the file is streamed: it stays flat with N);
- a same-run baseline: the same cases as plain rows inserted with asyncpg in
  batches of the same size into a scratch table, which no real import can beat.

    uv run python -m bench.history_import [--cases 37500] [--batch 200]

Target: >= 200 cases/s end to end. Exit status 0 when the statistics match the file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.harness import drain_outboxes, drop_database, fresh_database, running_system
from ombuds.history_import import import_file
from ombuds.tokens import dev_token

OFFICES = ("new-york", "geneva", "nairobi", "bangkok", "vienna", "santiago")
ISSUES = ("1.a", "2.b", "2.f", "3.b", "4.e", "5.c", "6.i", "7.c", "8.b", "9.a")
SERVICES = ("consultation", "options", "coaching", "shuttle_diplomacy", "referral")
REASONS = ("resolved", "options_provided", "referred", "visitor_withdrew")


def history(
    cases: int, *, last_year: int, years: int = 15, seed: int = 7
) -> Iterator[dict[str, Any]]:
    """The cases of the file, one at a time: spread evenly over `years` closed years."""
    rng = random.Random(seed)
    for n in range(cases):
        year = last_year - years + 1 + n % years
        opened = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(300))
        closed = opened + dt.timedelta(days=rng.randrange(10, 60))
        yield {
            "source_system": "bench", "source_id": f"B-{n:07d}",
            "office": OFFICES[n % len(OFFICES)], "pillar": "secretariat",
            "location": "headquarters", "occupational_group": "general_service",
            "intake_channel": "email", "opened_on": opened.isoformat(),
            "issues": [{"code": code} for code in rng.sample(ISSUES, rng.randint(1, 3))],
            "services": [{"service": rng.choice(SERVICES),
                          "given_on": (opened + dt.timedelta(days=3)).isoformat()}],
            "status_changes": [{"status": "in_progress",
                                "changed_on": (opened + dt.timedelta(days=1)).isoformat()}],
            "closed_on": closed.isoformat(), "closure_reason": rng.choice(REASONS),
        }  # fmt: skip


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _batches(source: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    batch = []
    with source.open() as handle:
        for line in handle:
            batch.append(json.loads(line))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


async def _raw_baseline(source: Path, batch: int) -> float:
    """Cases/s of plain inserts of the same cases with asyncpg, batches of `batch`."""
    dsn = fresh_database("ombuds_bench_raw_insert")
    try:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(
                "CREATE TABLE raw_case (id text PRIMARY KEY, office text, opened_on date,"
                " closed_on date, closure_reason text, issues text)"
            )
            started = time.monotonic()
            count = 0
            for records in _batches(source, batch):
                count += len(records)
                rows = [
                    (r["source_id"], r["office"], dt.date.fromisoformat(r["opened_on"]),
                     dt.date.fromisoformat(r["closed_on"]), r["closure_reason"],
                     ",".join(i["code"] for i in r["issues"]))
                    for r in records
                ]  # fmt: skip
                async with connection.transaction():
                    await connection.executemany(
                        "INSERT INTO raw_case VALUES ($1, $2, $3, $4, $5, $6)", rows
                    )
            return count / (time.monotonic() - started)
        finally:
            await connection.close()
    finally:
        drop_database("ombuds_bench_raw_insert")


def _opened_per_year(gateway: str, token: str, years: list[int]) -> dict[int, int]:
    answer = httpx.get(
        f"{gateway}/v1/analytics/statistics/cases-opened",
        params={"from_year": min(years), "to_year": max(years)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    answer.raise_for_status()
    return {row["year"]: row["cells"]["total"]["count"] for row in answer.json()["rows"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=37_500)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument(
        "--relay-batch", type=int, default=1000,
        help="OMBUDS_CASES_OUTBOX_BATCH_SIZE: events per delivery (docs/import.md)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    last_year = dt.datetime.now(dt.UTC).year - 1
    expected: Counter[int] = Counter()
    folder = Path(tempfile.mkdtemp(prefix="ombuds-history-"))
    source = folder / "history.jsonl"
    with source.open("w") as handle:
        for record in history(args.cases, last_year=last_year):
            expected[int(record["opened_on"][:4])] += 1
            handle.write(json.dumps(record) + "\n")
    size_mb = source.stat().st_size / 1e6
    baseline = asyncio.run(_raw_baseline(source, args.batch))
    print(f"history import: {args.cases:,} cases, {size_mb:.1f} MB of JSON Lines", flush=True)
    relay = {"OMBUDS_CASES_OUTBOX_BATCH_SIZE": str(args.relay_batch)}
    with running_system(relay) as running:
        gateway = running.url("gateway")
        admin = dev_token(running.data_dir, role="administrator")
        analyst = dev_token(running.data_dir, role="analyst")
        rss_before = _peak_rss_mb()
        started = time.monotonic()
        with httpx.Client(base_url=gateway, timeout=300) as client:
            summary = import_file(
                source, client=client, token=admin, report_path=folder / "report.jsonl",
                batch_size=args.batch, progress=sys.stderr,
            )  # fmt: skip
        imported = time.monotonic() - started
        drained = drain_outboxes([running.url("cases")], timeout=3600)
        total = time.monotonic() - started
        figures = _opened_per_year(gateway, analyst, sorted(expected))
    created = summary.outcomes.get("created", 0)
    print(f"  import                 {created / imported:>9,.0f} cases/s  ({imported:.1f} s)")
    if drained is None:
        print("  analytics did not receive every event within the hour")
        return 1
    print(f"  end to end (analytics) {created / total:>9,.0f} cases/s  ({total:.1f} s)")
    print(f"  raw insert baseline    {baseline:>9,.0f} cases/s  (asyncpg, same batches)")
    print(f"  peak RSS of the import {_peak_rss_mb():>9,.0f} MB  (before: {rss_before:,.0f} MB)")
    matches = created == sum(expected.values()) and figures == dict(expected)
    print(f"  statistics per year match the file: {matches}")
    if not matches:
        print(f"    expected {dict(expected)}\n    got      {figures}")
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())
