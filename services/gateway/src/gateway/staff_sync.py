"""The staff roster from identity-provider claims, on a member's first sign-in (optional).

With `staff_from_claims` on, the first request of an ombudsman, mediator or chief
that this gateway process sees asks intake's directory to add them to their office's
roster (subject, role, office, and the name claim as display name). Intake adds only
someone it does not know: signing in never changes an entry the administrator made,
nor brings back a departed member. A failed call is retried on the next request and
never fails the caller's own.
"""

from __future__ import annotations

import logging
from typing import Any

from gateway.state import GatewayState
from ombuds_shared.tokens import Actor

logger = logging.getLogger("ombuds.gateway.staff_sync")

SIGN_IN_PATH = "/v1/internal/directory/sign-ins"
# The role a roster entry takes when a token carries several of them.
STAFF_ROLES = ("chief", "ombudsman", "mediator")
# Subjects this process has already reported (bounded: forgotten all at once when full).
_MAX_REMEMBERED = 100_000


async def note_sign_in(state: GatewayState, actor: Actor, claims: dict[str, Any]) -> None:
    """Reports a staff member's first sign-in to intake's directory, once per process."""
    if not state.settings.staff_from_claims:
        return
    seen = state.staff_signed_in
    if actor.subject in seen:
        return
    role = next((r for r in STAFF_ROLES if r in actor.roles), None)
    if role is None or not actor.office:
        seen.add(actor.subject)
        return
    name = claims.get(state.settings.staff_name_claim)
    body = {"role": role, "display_name": str(name)[:200] if name else actor.subject}
    try:
        await state.clients["intake"].call(
            "POST", SIGN_IN_PATH, token=state.minter.token_for("intake", actor), json_body=body
        )
    except Exception as exc:  # the directory is away: the next request tries again
        logger.warning("staff sign-in not recorded", extra={"error": type(exc).__name__})
        return
    if len(seen) >= _MAX_REMEMBERED:
        seen.clear()
    seen.add(actor.subject)
