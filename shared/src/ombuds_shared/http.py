"""The service-to-service HTTP client (aiohttp: measured 6x faster than httpx per hop).

One long-lived session per target service, keep-alive, timeouts, retries with
back-off on idempotent calls only, the request id passed along, and problem
responses turned back into the AppError they describe.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from ombuds_shared._tracing import inject_trace_context
from ombuds_shared.errors import AppError, ServiceUnavailable, UpstreamFailed, error_from_problem
from ombuds_shared.request_context import REQUEST_ID_HEADER, current_request_id

__all__ = [
    "PUBLIC_KEEP_ALIVE_SECONDS",
    "SERVER_KEEP_ALIVE_SECONDS",
    "RawResponse",
    "ServiceClient",
]

logger = logging.getLogger("ombuds.http")

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_RETRYABLE_STATUSES = frozenset({502, 503, 504})
# The peer is away, or went away mid-answer (a crash after the headers leaves the body
# short): either way nothing usable came back, and a write may or may not have happened.
_UNREACHABLE = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError)
# A caller keeps an idle connection to a peer for _IDLE_CONNECTION_SECONDS; every service is
# served keeping it open longer (uvicorn's --timeout-keep-alive, wherever a service is
# started). The other way round (uvicorn's default is 5 s), a request can be sent just as
# the peer closes the connection: it is lost, and a write, never retried, becomes a 503
# (the mixed workload saw one in 42,000 requests).
_IDLE_CONNECTION_SECONDS = 30
SERVER_KEEP_ALIVE_SECONDS = 40
# The gateway's public API keeps uvicorn's default: outside clients are not peers, and
# none holds an idle socket longer than it must.
PUBLIC_KEEP_ALIVE_SECONDS = 5


# A retry needs at least this long left before the deadline to be worth sending.
_LEAST_ATTEMPT_SECONDS = 0.05


def _timeout(seconds: float) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=seconds, connect=min(3.0, seconds))


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class ServiceClient:
    """Calls one peer service; a token provider gives each call its bearer token."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        timeout_seconds: float = 10.0,
        retries: int = 2,
        backoff_seconds: float = 0.1,
        pool_limit: int = 100,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.retries = retries
        self.backoff = backoff_seconds
        self._timeout_seconds = timeout_seconds
        self._timeout = _timeout(timeout_seconds)
        self._pool_limit = pool_limit
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_limit, keepalive_timeout=_IDLE_CONNECTION_SECONDS
            )
            # No cookie jar: a peer's cookie must never ride along on another user's call.
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        raw_query: str | None = None,
        retry: bool | None = None,
    ) -> RawResponse:
        """Sends a request and returns whatever came back; raises only if nothing did."""
        out_headers = dict(headers or {})
        request_id = current_request_id()
        if request_id:
            out_headers.setdefault(REQUEST_ID_HEADER, request_id)
        inject_trace_context(out_headers)
        may_retry = (
            retry
            if retry is not None
            # Header names are case-insensitive: the gateway forwards them in lower case.
            else (
                method.upper() in _IDEMPOTENT_METHODS
                or any(name.lower() == "idempotency-key" for name in out_headers)
            )
        )
        attempts = 1 + (self.retries if may_retry else 0)
        # The path was checked by the caller; `encoded` keeps aiohttp from re-normalizing it.
        url = URL(self.base_url + path + (f"?{raw_query}" if raw_query else ""), encoded=True)
        # One deadline for the call, its retries included: the caller has its answer (or its
        # 503) within the timeout, and a peer too slow to answer in time is not asked again.
        clock = asyncio.get_running_loop()
        deadline = clock.time() + self._timeout_seconds
        for attempt in range(1, attempts + 1):
            try:
                async with self.session.request(
                    method,
                    url,
                    headers=out_headers,
                    data=body,
                    params=params,
                    timeout=_timeout(deadline - clock.time()),
                ) as response:
                    content = await response.read()
                    result = RawResponse(response.status, dict(response.headers), content)
                retryable = result.status in _RETRYABLE_STATUSES and attempt < attempts
                if retryable and await self._paused(attempt, deadline):
                    continue
                return result
            except _UNREACHABLE as exc:
                if attempt < attempts and await self._paused(attempt, deadline):
                    continue
                logger.warning(
                    "peer unreachable", extra={"peer": self.name, "error": type(exc).__name__}
                )
                raise ServiceUnavailable(f"The {self.name} service is not reachable.") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _paused(self, attempt: int, deadline: float) -> bool:
        """Waits before the next attempt; False when the deadline leaves no time for one."""
        pause = self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())  # noqa: S311
        if asyncio.get_running_loop().time() + pause + _LEAST_ATTEMPT_SECONDS > deadline:
            return False
        await asyncio.sleep(pause)
        return True

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Calls a JSON route; a problem response is raised as its AppError."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        body = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(json_body, default=str).encode()
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        response = await self.send(method, path, headers=headers, body=body, params=params)
        if response.status >= 400:
            raise _error_from_response(self.name, response)
        return response.json()


def _error_from_response(peer: str, response: RawResponse) -> AppError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "type" in body and "status" in body:
        return error_from_problem(response.status, body)
    return UpstreamFailed(f"The {peer} service answered {response.status}.")
