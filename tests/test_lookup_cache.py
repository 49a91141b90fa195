"""The gateway reuses a registry's certificate lookup for a moment, for that caller only."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import Stack
from .mediation_support import Mediations, expect


@pytest.fixture
def med(stack: Stack) -> Mediations:
    return Mediations(stack)


async def test_a_lookup_is_reused_for_its_own_caller_only_and_briefly(
    med: Mediations, stack: Stack
) -> None:
    certificate = await med.issue(await med.under_way())
    path = f"/v1/certificates/{certificate['id']}"
    first_registry = stack.auth("registry", sub="registry-undt-ny")
    other_registry = stack.auth("registry", sub="registry-undt-geneva")
    seen = expect(await stack.gateway.get(path, headers=first_registry), 200)

    await stack.stop("mediation")
    try:
        again = await stack.gateway.get(path, headers=first_registry)
        assert again.status_code == 200
        assert again.json() == seen
        assert again.headers["cache-control"] == "no-store"  # never kept by anyone else
        # Another caller's identical lookup is never answered from the first one's.
        assert (await stack.gateway.get(path, headers=other_registry)).status_code >= 500
        await asyncio.sleep(stack.settings.lookup_cache_seconds + 0.2)
        assert (await stack.gateway.get(path, headers=first_registry)).status_code >= 500
    finally:
        await stack.start("mediation")


async def test_a_change_through_the_gateway_is_seen_at_once(med: Mediations, stack: Stack) -> None:
    certificate = await med.issue(await med.under_way())
    path = f"/v1/certificates/{certificate['id']}"
    assert expect(await stack.gateway.get(path, headers=med.registry), 200)["status"] == "current"
    expect(
        await stack.gateway.post(
            f"{path}/revoke", json={"reason": "issued_in_error"}, headers=med.chief
        ),
        200,
    )
    assert expect(await stack.gateway.get(path, headers=med.registry), 200)["status"] == "revoked"
