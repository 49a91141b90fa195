"""Stopping background tasks without hanging the one that stops them."""

from __future__ import annotations

import asyncio
import logging

__all__ = [
    "cancel_and_wait",
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
