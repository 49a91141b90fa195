"""The combined OpenAPI document: every public route, from the service that serves it."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from gateway.policy import Reach, Rule
from gateway.reference.local import LOCAL_SERVICE
from gateway.state import gateway_state
from ombuds_shared.errors import AppError, Forbidden, ServiceUnavailable
from ombuds_shared.openapi import add_problems, route_problems

logger = logging.getLogger("ombuds.gateway.openapi")
router = APIRouter()


@router.get("/openapi.json", include_in_schema=False)
async def combined_openapi(request: Request) -> dict[str, Any]:
    app: FastAPI = request.app
    state = gateway_state(app)
    cached = state.combined_openapi
    if cached is not None:
        return cached
    specs: dict[str, dict[str, Any]] = {}
    for service in sorted({r.service for r in state.policy.rules} - {LOCAL_SERVICE}):
        client = state.clients[service]
        response = await client.send("GET", "/openapi.json")
        if response.status != 200:
            raise ServiceUnavailable(f"The {service} service's API description is unavailable.")
        specs[service] = response.json()
    specs[LOCAL_SERVICE] = state.local_app.openapi()
    document = merge(app.openapi(), specs, state.policy.rules)
    state.combined_openapi = document
    return document


def merge(
    own: dict[str, Any], specs: dict[str, dict[str, Any]], rules: tuple[Rule, ...]
) -> dict[str, Any]:
    """The gateway's own document plus each policy row's operation from its service."""
    document = copy.deepcopy(own)
    document["info"]["description"] = (
        "The public API of Ombuds. Every /v1 route takes a bearer JWT from the "
        "organization's identity provider; the roles that may call it are listed on it "
        "(`x-roles`), and how far each reaches among the objects it names or lists "
        "(`x-reach`: own, handled, office, service (the Mediation Service's own mediators "
        "and chief), tribunal (a registry's own tribunal) or all (every object: the "
        "administrator's settings); an object out of reach is a 404, "
        "one the "
        "office sees but only its assignee may act on a 403). Errors are RFC 9457 problem "
        "details; each operation lists the problem types it can answer, with an example."
    )
    paths = document.setdefault("paths", {})
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    document["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        # An anonymous visitor's receipt code: no account, the code itself is the credential.
        "receipt": {"type": "apiKey", "in": "header", "name": "Receipt-Code"},
    }
    # Services name their schemas independently; a name two services use for different
    # things is qualified with the service's name (refs are rewritten to match).
    renamed: dict[str, dict[str, str]] = {}
    taken: dict[str, Any] = dict(schemas)
    for service, spec in specs.items():
        renamed[service] = {}
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            target = name
            if name in taken and taken[name] != schema:
                target = f"{service.capitalize()}{name}"
            renamed[service][name] = target
            taken.setdefault(target, schema)
    for service, spec in specs.items():
        spec = _rename_refs(spec, renamed[service])
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            schemas.setdefault(name, schema)
    for rule in rules:
        spec = _rename_refs(specs[rule.service], renamed[rule.service])
        operation = spec.get("paths", {}).get(rule.path, {}).get(rule.method.lower())
        if operation is None:
            logger.warning("policy row without an operation", extra={"path": rule.path})
            continue
        operation = copy.deepcopy(operation)
        roles = ", ".join(sorted(r.value for r in rule.roles))
        if rule.receipt:
            roles = "none; the holder of a receipt code (Receipt-Code header), limited per client"
        described = operation.get("description", "") + f"\n\nRoles: {roles}."
        operation["description"] = described.strip()
        operation["x-roles"] = sorted(r.value for r in rule.roles)
        if rule.reach:
            operation["x-reach"] = {role.value: reach.value for role, reach in rule.reach.items()}
        operation["security"] = [{"receipt": []}] if rule.receipt else [{"bearer": []}]
        add_problems(operation, _problems(rule, operation), path=rule.path)
        paths.setdefault(rule.path, {})[rule.method.lower()] = operation
    return document


def _problems(rule: Rule, operation: dict[str, Any]) -> list[AppError | tuple[str, AppError]]:
    """What the route answers through the gateway, as its class and its policy row say."""
    errors: list[AppError | tuple[str, AppError]] = []
    errors += route_problems(rule.method, rule.path, operation, through_gateway=True)
    # Past its bound on requests in flight, the gateway sheds load (gateway.load_shedding).
    errors.append(("at-capacity", ServiceUnavailable("The gateway is at capacity; retry shortly.")))
    if Reach.HANDLED in rule.reach.values():
        refusal = Forbidden("Only the one this is assigned to may do this.")
        errors.append(("not-assigned", refusal))
    return errors


def _rename_refs(spec: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    if all(k == v for k, v in names.items()):
        return spec
    text = json.dumps(spec)
    for old, new in names.items():
        if old != new:
            text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed: dict[str, Any] = json.loads(text)
    schemas = renamed.get("components", {}).get("schemas", {})
    renamed.setdefault("components", {})["schemas"] = {
        names.get(k, k): v for k, v in schemas.items()
    }
    return renamed
