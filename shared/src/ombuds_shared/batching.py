"""Group work that arrives together: one batch at a time, the next gathering meanwhile.

A hot path that does one small database round trip per request (record a read
in the audit log, fetch a case by id) spends most of its time on the round
trip, not the work. Here each caller hands in its item and waits; one task runs
the batches: it takes everything waiting, runs it in one go, hands each caller
its own result, and goes on while items keep arriving. With one caller at a
time it is one item per batch; under load a batch grows with the load, and the
cost per item falls. If a batch fails, every caller in it gets the error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["Grouped"]

Item = TypeVar("Item")
Result = TypeVar("Result")

# Bounds the runner's loop; it ends as soon as nobody waits, long before this.
_MAX_ROUNDS = 1_000_000


class Grouped(Generic[Item, Result]):
    """Runs `run` on batches of at most `max_batch` items; `run` returns one result per
    item, in order."""

    def __init__(
        self, run: Callable[[list[Item]], Awaitable[Sequence[Result]]], *, max_batch: int = 500
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None
        self.batches = 0  # batches run: compare with the items to see how well they group

    async def __call__(self, item: Item) -> Result:
        """The item's result, once its batch has run; raises what the batch raised.

        A caller who gives up (cancelled) only cancels its own wait: the batch, and
        the other callers in it, go on."""
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._runner is None:
            self._runner = asyncio.create_task(self._run_while_waiting())
        return await done

    async def _run_while_waiting(self) -> None:
        try:
            for _ in range(_MAX_ROUNDS):
                if not self._waiting:
                    return
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    results = await self._run([item for item, _ in batch])
                except Exception as exc:  # every caller in the batch learns of the failure
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                self.batches += 1
                for (_, done), result in zip(batch, results, strict=True):
                    if not done.done():  # a caller who gave up is cancelled already
                        done.set_result(result)
        finally:
            self._runner = None
