"""Stopping background work is bounded and never swallows the stopper's own cancellation,
and a served app shuts down even while a request is still running (what hung the event
pipeline tests: a teardown that waited without end)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from ombuds_shared.tasks import cancel_and_wait
from ombuds_testing import serve_app


async def test_a_task_that_will_not_stop_is_left_behind_after_the_timeout() -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await cancel_and_wait(task, name="stubborn", timeout_seconds=0.2)
    assert not task.done()  # returned anyway
    release.set()
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    assert task.done()


async def test_the_stoppers_own_cancellation_goes_through() -> None:
    """The pattern it replaces (`cancel(); with suppress(CancelledError): await task`)
    swallows this cancellation: the stopper then ends normally, and a `wait_for` around
    it (a server's shutdown) waits for whatever comes next without its timeout."""
    slow_exit = asyncio.Event()

    async def slow_to_stop() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(1)  # cleanup that takes a while
            slow_exit.set()

    background = asyncio.create_task(slow_to_stop())
    await asyncio.sleep(0)
    stopper = asyncio.create_task(cancel_and_wait(background, name="slow", timeout_seconds=30))
    await asyncio.sleep(0.05)
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    assert not slow_exit.is_set()  # the stopper did not wait for the background task
    await asyncio.wait({background}, timeout=5)


async def test_a_served_app_shuts_down_while_a_request_is_still_running() -> None:
    started = asyncio.Event()
    router = APIRouter()

    @router.get("/forever")
    async def forever() -> dict[str, str]:
        started.set()
        await asyncio.sleep(3600)
        return {}

    app = FastAPI()
    app.include_router(router)
    async with httpx.AsyncClient(timeout=60) as client:
        async with serve_app(app) as url:
            request = asyncio.create_task(client.get(f"{url}/forever"))
            await asyncio.wait_for(started.wait(), timeout=10)
        # Leaving the block did not raise TimeoutError: the graceful shutdown ended the
        # request instead of waiting for it (serve_app allows the server 10 s in all).
        done, _ = await asyncio.wait({request}, timeout=10)
        assert done
        # The client was answered (uvicorn's 500 for a cancelled request) or cut off.
        if request.exception() is None:
            assert request.result().status_code == 500
        else:
            assert isinstance(request.exception(), httpx.HTTPError)
