"""`ombuds webhooks ...`: webhook subscriptions, administered through the gateway.

Like `ombuds offices`, the commands call the gateway's public routes with the token in
OMBUDS_TOKEN (or --token); in development, without one, they mint an administrator
token with the data folder's built-in issuer key. A secret is printed once, when a
subscription is added or rotated: nothing can show it again.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ombuds.directory_cli import _set, admin_call

EVENT_TYPES = (
    "request.received",
    "case.assigned",
    "deadline.approaching",
    "deadline.passed",
    "certificate.issued",
    "certificate.revoked",
)
SUBSCRIPTIONS = "/v1/webhooks/subscriptions"


def add_parsers(commands: Any) -> None:
    """Adds the `webhooks` command to the CLI's subparsers."""
    webhooks = commands.add_parser(
        "webhooks", help="webhook subscriptions: add, list, rotate, deliveries, replay, remove"
    )
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True)
    add = actions.add_parser("add", help="subscribe a receiver; prints its secret once")
    add.add_argument("url", help="the receiver's https URL")
    add.add_argument("--integrator", required=True, help="who runs the receiver")
    add.add_argument(
        "--event", action="append", required=True, choices=EVENT_TYPES, dest="events",
        help="an event type to send (repeat for several)",
    )  # fmt: skip
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--office", help="an office's desk: its office code")
    scope.add_argument("--tribunal", help="a tribunal's registry: its tribunal code")
    actions.add_parser("list", help="every subscription (never a secret)")
    rotate = actions.add_parser("rotate", help="a new secret; the old one signs too meanwhile")
    rotate.add_argument("subscription_id")
    rotate.add_argument(
        "--overlap-hours", type=float, help="how long the old secret still signs (default: "
        "the service's setting)",
    )  # fmt: skip
    deliveries = actions.add_parser("deliveries", help="a subscription's delivery log")
    deliveries.add_argument("subscription_id")
    deliveries.add_argument("--status", choices=("pending", "delivered", "dead"))
    replay = actions.add_parser("replay", help="send a (dead-lettered) delivery again")
    replay.add_argument("delivery_id")
    remove = actions.add_parser("remove", help="remove a subscription and its secrets")
    remove.add_argument("subscription_id")
    for command in actions.choices.values():
        command.add_argument("--gateway", help="gateway URL (default http://127.0.0.1:PORT)")
        command.add_argument("--token", help="a bearer token (default: $OMBUDS_TOKEN)")
    webhooks.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    response = admin_call(args, *_request(args))
    if response is None:
        return 1
    if response.status_code == 204:
        print(f"removed {args.subscription_id}")
        return 0
    _print(args.webhooks_command, response.json())
    return 0


def _request(args: argparse.Namespace) -> tuple[str, str, Any, dict[str, str]]:
    """(method, path, body, query) of the command."""
    action = args.webhooks_command
    if action == "add":
        kind, code = ("office", args.office) if args.office else ("tribunal", args.tribunal)
        body = {"integrator": args.integrator, "url": args.url, "event_types": args.events,
                "scope": {"kind": kind, "code": code}}  # fmt: skip
        return "POST", SUBSCRIPTIONS, body, {}
    if action == "list":
        return "GET", SUBSCRIPTIONS, None, {}
    if action == "rotate":
        body = _set({"overlap_hours": args.overlap_hours})
        return "POST", f"{SUBSCRIPTIONS}/{args.subscription_id}/rotate", body, {}
    if action == "deliveries":
        path = f"{SUBSCRIPTIONS}/{args.subscription_id}/deliveries"
        return "GET", path, None, _set({"status": args.status})
    if action == "replay":
        return "POST", f"/v1/webhooks/deliveries/{args.delivery_id}/replay", None, {}
    return "DELETE", f"{SUBSCRIPTIONS}/{args.subscription_id}", None, {}


def _print(action: str, document: Any) -> None:
    """A line per subscription or delivery; a secret with a warning that it shows once."""
    if action in ("add", "rotate"):
        print(json.dumps({k: v for k, v in document.items() if k != "secret"}, indent=2))
        print(f"secret (shown once, keep it with the receiver): {document['secret']}")
        return
    if action == "list":
        for item in document["items"]:
            scope = f"{item['scope']['kind']}:{item['scope']['code']}"
            print(f"{item['id']}  {scope:<28} {','.join(item['event_types']):<40} "
                  f"{item['url']}  ({item['integrator']})")  # fmt: skip
        return
    if action == "deliveries":
        for item in document["items"]:
            error = item["last_error"] or ""
            print(f"{item['id']}  {item['event_type']:<22} {item['status']:<10} "
                  f"attempts={item['attempts']:<3} {item['created_at']}  {error}")  # fmt: skip
        return
    print(json.dumps(document, indent=2))
