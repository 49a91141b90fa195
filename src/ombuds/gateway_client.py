"""The HTTP client the demo loaders use: it waits when the gateway says "slow down".

The gateway limits each caller's rate (429 with Retry-After). A loader sends as
fast as the system answers, so on a fast machine it can reach that limit; a
well-behaved client waits as told and tries again, rather than giving up.
"""

from __future__ import annotations

import time

import httpx

# Bounded: at most this many waits per request, each at most this long.
_MAX_WAITS = 20
_LONGEST_WAIT_SECONDS = 5.0


class _PatientTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        for _ in range(_MAX_WAITS):
            if response.status_code != 429:
                break
            response.close()
            time.sleep(_wait_seconds(response))
            response = super().handle_request(request)
        return response


def _wait_seconds(response: httpx.Response) -> float:
    try:
        told = float(response.headers.get("Retry-After", "1"))
    except ValueError:
        told = 1.0
    return min(max(told, 0.1), _LONGEST_WAIT_SECONDS)


def gateway_client(gateway_url: str, timeout: float) -> httpx.Client:
    """A client of the gateway that honours its rate limit (see the module)."""
    return httpx.Client(base_url=gateway_url, timeout=timeout, transport=_PatientTransport())
