"""A service killed on its own clock, and a client that keeps working through the kills.

The client sorts every write into two kinds. Answered: the system said what
became of it (a 2xx, or a definite refusal), so the client knows. Unanswered:
the connection broke, or the gateway said the service was away (502, 503,
504); the write may or may not have taken effect. An unanswered write is
retried with the same Idempotency-Key where the route takes one; where it does
not, the client first reads whether the write took effect, and retries only if
it did not, so that a retry never doubles what the first try did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

from ombuds import system

UNANSWERED = frozenset({502, 503, 504})
# A restarted service may take many seconds to start on a busy machine.
ANSWER_BOUND_SECONDS = 90.0


def restart(running: system.System, name: str) -> None:
    """Starts a killed service again and waits until it is healthy."""
    running.start_one(name)
    running.wait_healthy(timeout=60, names=[name])


class Killer:
    """Kills one service (SIGKILL) every `every` seconds, `times` times, restarting it each
    time, in a thread of its own, so that kills land in the middle of the client's requests."""

    def __init__(self, running: system.System, name: str, times: int, every: float) -> None:
        self.running = running
        self.name = name
        self.times = times
        self.every = every
        self.kills = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"kill-{name}", daemon=True)

    def __enter__(self) -> Killer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # On a failure, stop killing; a kill under way still ends with the service restarted.
        self._stop.set()
        self._thread.join(timeout=120)

    @property
    def killing(self) -> bool:
        return self._thread.is_alive()

    def finish(self, within: float = 120.0) -> None:
        """Waits for the last kill and restart; the service is healthy afterwards."""
        self._thread.join(timeout=within)
        assert not self._thread.is_alive(), f"{self.name} was not back within {within} s"
        if self.error is not None:
            raise AssertionError(f"killing {self.name} failed") from self.error
        assert self.kills == self.times

    def _run(self) -> None:
        try:
            for _ in range(self.times):
                if self._stop.wait(self.every):
                    return
                self.running.kill(self.name)
                self.kills += 1
                restart(self.running, self.name)
        except Exception as exc:  # reported by finish(), in the test's own thread
            self.error = exc


class SteadyClient:
    """An HTTP client that keeps working while services die: it retries what went
    unanswered, within a time bound, and counts how often that happened."""

    def __init__(self, client: httpx.Client, within: float = ANSWER_BOUND_SECONDS) -> None:
        self.client = client
        self.within = within
        self.unanswered = 0

    def attempt(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """One try: the answer, or None if the call went unanswered."""
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TransportError:
            response = None
        if response is None or response.status_code in UNANSWERED:
            self.unanswered += 1
            return None
        return response

    def until_answered(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Tries again (same body, same headers) until answered: for reads, idempotent
        writes and writes with an Idempotency-Key. The bound is time, not a count of tries:
        each try against a service that is starting fails fast."""
        deadline = time.monotonic() + self.within
        while time.monotonic() < deadline:
            response = self.attempt(method, path, **kwargs)
            if response is not None:
                return response
            time.sleep(0.25)
        raise AssertionError(f"{method} {path} never answered")

    def read(self, path: str, **kwargs: Any) -> Any:
        """A GET, answered 200, as JSON."""
        response = self.until_answered("GET", path, **kwargs)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def write_once(
        self, method: str, path: str, took_effect: Callable[[], bool], **kwargs: Any
    ) -> httpx.Response | None:
        """A write that takes no Idempotency-Key: after each unanswered try, `took_effect`
        reads whether it did, and only if not is it tried again. Returns the answer, or
        None when the write took effect unanswered.

        The read comes after the killed service (or the gateway) is back: a request that
        reached it before the kill died with it, and one that reached a service behind a
        killed gateway was answered long before a restarted gateway can forward the read."""
        deadline = time.monotonic() + self.within
        while time.monotonic() < deadline:
            response = self.attempt(method, path, **kwargs)
            if response is not None:
                return response
            if took_effect():
                return None
            time.sleep(0.25)
        raise AssertionError(f"{method} {path} never answered")
