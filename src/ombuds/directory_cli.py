"""`ombuds offices ...` and `ombuds staff ...`: the directory, administered through the gateway.

The commands call the gateway's public routes like any client, with the token in
OMBUDS_TOKEN (or --token); in development, without one, they mint an administrator
token with the data folder's built-in issuer key.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from ombuds import system
from ombuds.gateway_client import gateway_client
from ombuds.tokens import dev_token
from ombuds_shared.reference import Pillar

STAFF_ROLES = ("ombudsman", "mediator", "chief")


def add_parsers(commands: Any) -> None:
    """Adds the `offices` and `staff` commands to the CLI's subparsers."""
    offices = commands.add_parser("offices", help="list, open, rename, move or close offices")
    office_commands = offices.add_subparsers(dest="offices_command", required=True)
    office_commands.add_parser("list", help="every office, open and closed")
    opening = office_commands.add_parser("open", help="open an office")
    opening.add_argument("code", help="lower-case code, e.g. lisbon")
    opening.add_argument("--name", required=True)
    opening.add_argument("--city", required=True)
    opening.add_argument("--pillar", required=True, choices=[p.value for p in Pillar])
    opening.add_argument("--opened-on", help="YYYY-MM-DD (default today)")
    rename = office_commands.add_parser("rename", help="give an office a new name")
    rename.add_argument("code")
    rename.add_argument("name")
    move = office_commands.add_parser("move", help="move an office to a city or pillar")
    move.add_argument("code")
    move.add_argument("--city")
    move.add_argument("--pillar", choices=[p.value for p in Pillar])
    close = office_commands.add_parser("close", help="close an office (its history stays)")
    close.add_argument("code")
    close.add_argument("--closed-on", help="YYYY-MM-DD (default today)")

    staff = commands.add_parser("staff", help="the staff roster: list, add, deactivate")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    listing = staff_commands.add_parser("list", help="the roster (of one office)")
    listing.add_argument("--office")
    add = staff_commands.add_parser("add", help="add a member (or bring a departed one back)")
    add.add_argument("subject", help="their identity-provider subject (the token's sub)")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--office", required=True)
    add.add_argument("--role", required=True, choices=STAFF_ROLES)
    leave = staff_commands.add_parser("deactivate", help="mark a member as departed")
    leave.add_argument("subject")

    for commands_of in (office_commands, staff_commands):
        for command in commands_of.choices.values():
            command.add_argument("--gateway", help="gateway URL (default http://127.0.0.1:PORT)")
            command.add_argument("--token", help="a bearer token (default: $OMBUDS_TOKEN)")
    for command in (offices, staff):
        command.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    response = admin_call(args, *_request(args))
    if response is None:
        return 1
    _print(response.json())
    return 0


def admin_call(
    args: argparse.Namespace, method: str, path: str, body: Any, query: dict[str, str]
) -> httpx.Response | None:
    """Calls the gateway with --token, $OMBUDS_TOKEN or a development administrator's token;
    None (the reason printed) when the gateway is away or refuses. The webhooks CLI uses it too."""
    gateway = args.gateway or f"http://{system.HOST}:{args.port}"
    token = args.token or os.environ.get("OMBUDS_TOKEN") or _dev_token(args.data_dir)
    with gateway_client(gateway, timeout=30.0) as client:
        try:
            response = client.request(
                method,
                path,
                json=body,
                params=query,
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            print(f"ombuds: the gateway at {gateway} is not reachable ({exc})", file=sys.stderr)
            return None
    if response.status_code >= 400:
        print(f"ombuds: {response.status_code} {_problem(response)}", file=sys.stderr)
        return None
    return response


def _request(args: argparse.Namespace) -> tuple[str, str, Any, dict[str, str]]:
    """(method, path, body, query) of the command."""
    if args.command == "offices":
        action = args.offices_command
        if action == "list":
            return "GET", "/v1/reference/offices", None, {}
        if action == "open":
            body = {"code": args.code, "name": args.name, "city": args.city,
                    "pillar": args.pillar, "opened_on": args.opened_on}  # fmt: skip
            return "POST", "/v1/offices", _set(body), {}
        if action == "rename":
            return "PATCH", f"/v1/offices/{args.code}", {"name": args.name}, {}
        if action == "move":
            return (
                "PATCH",
                f"/v1/offices/{args.code}",
                _set({"city": args.city, "pillar": args.pillar}),
                {},
            )
        return "POST", f"/v1/offices/{args.code}/close", _set({"closed_on": args.closed_on}), {}
    action = args.staff_command
    if action == "list":
        return "GET", "/v1/staff", None, _set({"office": args.office})
    if action == "add":
        body = {"subject": args.subject, "display_name": args.name, "office": args.office,
                "role": args.role}  # fmt: skip
        return "POST", "/v1/staff", body, {}
    return "POST", f"/v1/staff/{args.subject}/deactivate", None, {}


def _set(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _dev_token(data_dir: Path) -> str:
    return dev_token(data_dir, role="administrator", subject="dev-administrator")


def _problem(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return response.text
    field = f" (field {problem['field']})" if "field" in problem else ""
    return f"{problem.get('detail') or problem.get('title')}{field}"


def _print(document: Any) -> None:
    """A table for lists, the JSON of one record otherwise."""
    items = document.get("items") if isinstance(document, dict) else None
    if items is None:
        print(json.dumps(document, indent=2))
        return
    for item in items:
        if "subject" in item:
            state = "active" if item["active"] else "inactive"
            print(f"{item['subject']:<24} {item['office']:<20} {item['role']:<10} {state:<8} "
                  f"{item['display_name']}")  # fmt: skip
        else:
            state = "open" if item["open"] else f"closed {item['closed_on']}"
            print(f"{item['code']:<20} {item['pillar']:<22} {item['city']:<14} {state:<18} "
                  f"{item['name']}")  # fmt: skip
