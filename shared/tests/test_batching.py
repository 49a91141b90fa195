"""Grouped: items arriving while a batch runs go together in the next; each caller gets
its own result or the batch's error, and a caller who gives up stops no one else."""

from __future__ import annotations

import asyncio

import pytest

from ombuds_shared.batching import Grouped


async def test_items_arriving_during_a_batch_run_together_in_the_next() -> None:
    batches: list[list[int]] = []
    release = asyncio.Event()

    async def double(items: list[int]) -> list[int]:
        batches.append(items)
        await release.wait()
        return [item * 2 for item in items]

    grouped: Grouped[int, int] = Grouped(double)
    first = asyncio.create_task(grouped(1))
    await asyncio.sleep(0)  # the first batch starts, and waits
    later = [asyncio.create_task(grouped(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    release.set()
    assert await first == 2
    assert [await task for task in later] == [4, 6, 8]
    assert batches == [[1], [2, 3, 4]]
    assert grouped.batches == 2


async def test_every_caller_of_a_failed_batch_gets_its_error() -> None:
    async def fail(items: list[int]) -> list[int]:
        raise RuntimeError(f"lost {len(items)}")

    grouped: Grouped[int, int] = Grouped(fail)
    answers = await asyncio.gather(*(grouped(n) for n in range(3)), return_exceptions=True)
    assert [str(answer) for answer in answers] == ["lost 3"] * 3
    assert grouped.batches == 0


async def test_a_caller_who_gives_up_stops_no_one_else() -> None:
    ran: list[list[int]] = []
    release = asyncio.Event()

    async def echo(items: list[int]) -> list[int]:
        await release.wait()
        ran.append(items)
        return items

    grouped: Grouped[int, int] = Grouped(echo)
    callers = [asyncio.create_task(grouped(n)) for n in range(3)]
    await asyncio.sleep(0)
    callers[1].cancel()
    release.set()
    assert await callers[0] == 0
    assert await callers[2] == 2
    with pytest.raises(asyncio.CancelledError):
        await callers[1]
    assert ran == [[0, 1, 2]]  # the batch still ran, the cancelled item in it
