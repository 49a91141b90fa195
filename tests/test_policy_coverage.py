"""No public route escapes the policy table, and no policy row points at nothing."""

from __future__ import annotations

from gateway.policy import POLICY
from gateway.reference import LOCAL_SERVICE, local_app

from .conftest import BACKENDS


def _public_routes() -> set[tuple[str, str, str]]:
    """(method, path, service) of every /v1 route a service serves to users."""
    routes = set()
    for name, (settings_cls, factory, _) in BACKENDS.items():
        app = factory(settings_cls(environment="test"))
        for path, operations in app.openapi()["paths"].items():
            if not path.startswith("/v1/") or path.startswith("/v1/internal/"):
                continue  # peer routes are never proxied; require_peer guards them
            for method in operations:
                routes.add((method.upper(), path, name))
    for path, operations in local_app().openapi()["paths"].items():
        routes.update((method.upper(), path, LOCAL_SERVICE) for method in operations)
    return routes


def test_every_public_route_has_a_policy_row() -> None:
    rows = {(r.method, r.path, r.service) for r in POLICY}
    missing = _public_routes() - rows
    assert not missing, f"routes without a policy row (unreachable, or unreviewed): {missing}"


def test_every_policy_row_names_a_real_route() -> None:
    routes = _public_routes()
    dangling = {(r.method, r.path, r.service) for r in POLICY} - routes
    assert not dangling, f"policy rows for routes no service serves: {dangling}"


def test_policy_rows_are_unique() -> None:
    keys = [(r.method, r.path) for r in POLICY]
    assert len(keys) == len(set(keys))
