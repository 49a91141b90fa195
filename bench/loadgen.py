"""A closed-loop HTTP load generator (aiohttp): N concurrent clients for a fixed time.

Run as its own process so that it does not share an event loop with a server.
Prints one JSON line: requests, errors, throughput and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid

import aiohttp


async def _client(
    session: aiohttp.ClientSession,
    args: argparse.Namespace,
    body: bytes | None,
    stop_at: float,
    latencies: list[float],
    errors: dict[int, int],
    index: int = 0,
) -> None:
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    # Several URLs (e.g. many records) are taken in turn, each client from its own offset.
    turn = index
    for _ in range(10_000_000):  # bounded; the deadline ends it long before
        if time.perf_counter() >= stop_at:
            return
        turn += 1
        url = args.url[turn % len(args.url)]
        if args.idempotency:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        started = time.perf_counter()
        try:
            async with session.request(args.method, url, data=body, headers=headers) as resp:
                await resp.read()
                status = resp.status
        except aiohttp.ClientError:
            status = 599
        latencies.append(time.perf_counter() - started)
        if status >= 400:
            errors[status] = errors.get(status, 0) + 1


async def run(args: argparse.Namespace) -> dict[str, object]:
    body = args.body.encode() if args.body else None
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        if args.warmup > 0:  # warm the connection pool and the servers' caches
            warm: list[float] = []
            end = time.perf_counter() + args.warmup
            await asyncio.gather(*(_client(session, args, body, end, warm, {}, i)
                                   for i in range(args.concurrency)))  # fmt: skip
        latencies: list[float] = []
        errors: dict[int, int] = {}
        started = time.perf_counter()
        stop_at = started + args.duration
        await asyncio.gather(
            *(_client(session, args, body, stop_at, latencies, errors, i)
              for i in range(args.concurrency))
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, action="append", help="repeat to take turns")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body")
    parser.add_argument("--token")
    parser.add_argument("--idempotency", action="store_true")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
