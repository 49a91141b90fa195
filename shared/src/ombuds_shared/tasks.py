"""Background loops: polling until cancelled, and stopping one without hanging its stopper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

__all__ = [
    "cancel_and_wait",
    "poll_until_cancelled",
]

logger = logging.getLogger("ombuds.tasks")


async def cancel_and_wait(task: asyncio.Task[None], *, name: str, timeout_seconds: float) -> None:
    """Cancels `task` and waits for it at most `timeout_seconds`.

    Not `task.cancel(); with suppress(CancelledError): await task`: that also swallows
    a cancellation of the *caller* (a server's shutdown timing out), and Python 3.11's
    `asyncio.wait_for` then waits without bound for the caller to end. `asyncio.wait`
    never raises the task's outcome and lets the caller's own cancellation through; a
    task stuck past the timeout (an await without a bound somewhere) is logged and
    left behind rather than holding the shutdown forever.
    """
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=timeout_seconds)
    if not done:
        logger.warning("background task did not stop in time", extra={"task": name})
        return
    if not task.cancelled() and task.exception() is not None:
        logger.warning(
            "background task ended with an error",
            extra={"task": name, "error": type(task.exception()).__name__},
        )


async def poll_until_cancelled(
    work: Callable[[], Awaitable[int]],
    wake: asyncio.Event,
    *,
    poll_seconds: float,
    max_backoff: float,
    paused: str,
    log: logging.Logger = logger,
    again_at: int = 1,
) -> None:
    """Runs `work` until cancelled: again at once while it did at least `again_at` (it
    returns how much), else when `wake` is set or after `poll_seconds`. When it raises
    (the database is away) it logs `paused` with the error's type only and waits twice as
    long each time, up to `max_backoff`. The outbox relay and the webhook dispatcher
    share it."""
    pause = poll_seconds
    while True:
        try:
            done = await work()
            pause = poll_seconds
        except Exception as exc:
            log.warning(paused, extra={"error": type(exc).__name__})
            done = 0
            pause = min(max_backoff, pause * 2)
        if done < again_at:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=pause)
            wake.clear()
