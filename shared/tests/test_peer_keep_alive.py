"""A caller lets go of an idle connection to a peer before the peer would close it.

Every service is served by uvicorn, which closes a connection idle for its keep-alive
timeout (5 s unless told). A caller that keeps the connection longer can send a request
just as the peer closes it: the request is lost, and a write, which the client never
retries, becomes a 503. The mixed workload showed it once in 42,000 requests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ombuds import system
from ombuds_shared import http

ROOT = Path(__file__).resolve().parents[2]
# Every place a service's server is started, and how it must set uvicorn's keep-alive there.
LAUNCHERS = {
    "src/ombuds/system.py": r'"--timeout-keep-alive", str(_keep_alive_seconds(spec.name))',
    "services/gateway/src/gateway/private_listener.py": (
        "timeout_keep_alive=SERVER_KEEP_ALIVE_SECONDS"
    ),
    "shared-testing/src/ombuds_testing/_support.py": "timeout_keep_alive=SERVER_KEEP_ALIVE_SECONDS",
    # A shell line cannot import Python: the two values are written there as numbers.
    "deploy/Dockerfile": (
        f'--timeout-keep-alive $([ \\"${{OMBUDS_SERVICE}}\\" = gateway ] && echo '
        f"{http.PUBLIC_KEEP_ALIVE_SECONDS} || echo {http.SERVER_KEEP_ALIVE_SECONDS})"
    ),
}


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_every_server_is_started_with_the_keep_alive_of_ombuds_shared_http(
    launcher: str,
) -> None:
    text = (ROOT / launcher).read_text()
    # uvicorn is started nowhere else in the file, so no server there keeps the default.
    started = re.findall(r"uvicorn\.Config\(|-m\", \"uvicorn|exec uvicorn", text)
    assert len(started) == 1 == text.count(LAUNCHERS[launcher])


def test_services_keep_idle_connections_longer_than_their_callers() -> None:
    assert http.SERVER_KEEP_ALIVE_SECONDS >= http._IDLE_CONNECTION_SECONDS + 5
    assert all(
        system._keep_alive_seconds(spec.name) == http.SERVER_KEEP_ALIVE_SECONDS
        for spec in system.SERVICES
        if spec.name != "gateway"
    )


def test_the_gateways_public_api_keeps_no_idle_socket_longer_than_uvicorns_default() -> None:
    """Outside clients are not peers: their idle sockets are closed after 5 s."""
    assert http.PUBLIC_KEEP_ALIVE_SECONDS == 5
    assert system._keep_alive_seconds("gateway") == http.PUBLIC_KEEP_ALIVE_SECONDS


async def test_the_client_pool_keeps_idle_connections_for_its_stated_time() -> None:
    client = http.ServiceClient("http://127.0.0.1:9", name="peer")
    try:
        connector = client.session.connector
        assert connector is not None
        # aiohttp keeps the pool's idle limit (`keepalive_timeout`) on the connector.
        assert connector._keepalive_timeout == http._IDLE_CONNECTION_SECONDS
    finally:
        await client.close()
