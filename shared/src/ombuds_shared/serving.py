"""Serving an app from inside an event loop that already runs: the gateway's private
listener beside its public server, and the tests' servers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn

__all__ = ["PromptServer"]


class PromptServer(uvicorn.Server):
    """A uvicorn server that stops when told (`stop()`), not at its next tick.

    uvicorn looks at `should_exit` every 0.1 s: the gateway stops its private listener
    inside its own shutdown, and a test suite stops thousands of servers. Between stops
    it ticks as uvicorn does (the Date header each second; a signal's `should_exit`).
    With `handle_signals=False` it leaves the process's signals to the main server.
    """

    def __init__(self, config: uvicorn.Config, *, handle_signals: bool = True) -> None:
        super().__init__(config)
        self._stopping = asyncio.Event()
        self._handle_signals = handle_signals

    def stop(self) -> None:
        self.should_exit = True
        self._stopping.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if self._handle_signals:
            with super().capture_signals():
                yield
        else:
            yield

    async def main_loop(self) -> None:
        # uvicorn's own loop, with the 0.1 s sleep cut short by stop().
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864_000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=0.1)
            should_exit = await self.on_tick(counter)
