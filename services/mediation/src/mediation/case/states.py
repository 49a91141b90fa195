"""The state machine of a mediation: the legal paths are the only paths.

referred --accept--> agreement_pending --start--> in_mediation --close--> closed
    |                      |                                     (settled, not_settled,
    +--close-------------->+--close--> closed                      withdrawn)
      (resolved_before_mediation, withdrawn; a party's refusal: party_declined)
"""

from __future__ import annotations

from mediation.case.schemas import MediationStatus
from ombuds_shared.errors import Conflict
from ombuds_shared.vocabulary import Outcome

REFERRED = MediationStatus.REFERRED
PENDING = MediationStatus.AGREEMENT_PENDING
IN_MEDIATION = MediationStatus.IN_MEDIATION
CLOSED = MediationStatus.CLOSED

# outcome -> the statuses a mediation may be closed from with that outcome
CLOSABLE_FROM: dict[Outcome, frozenset[MediationStatus]] = {
    Outcome.SETTLED: frozenset({IN_MEDIATION}),
    Outcome.NOT_SETTLED: frozenset({IN_MEDIATION}),
    Outcome.PARTY_DECLINED: frozenset({REFERRED, PENDING}),
    Outcome.RESOLVED_BEFORE_MEDIATION: frozenset({REFERRED, PENDING}),
    Outcome.WITHDRAWN: frozenset({REFERRED, PENDING, IN_MEDIATION}),
}

# Outcomes after which a stopped filing clock runs again: the mediation broke down.
BREAKDOWNS = frozenset({Outcome.NOT_SETTLED, Outcome.PARTY_DECLINED, Outcome.WITHDRAWN})

_WHY_NOT_CLOSE: dict[Outcome, str] = {
    Outcome.SETTLED: "Only a mediation under way can end in a settlement.",
    Outcome.NOT_SETTLED: "Only a mediation under way can end without settlement.",
    Outcome.PARTY_DECLINED: "A refusal to mediate comes before mediation starts.",
    Outcome.RESOLVED_BEFORE_MEDIATION: "This mediation has already started.",
    Outcome.WITHDRAWN: "This mediation is already closed.",
}


def require(status: str, allowed: set[MediationStatus], doing: str) -> None:
    """Raises 409 saying why, unless the mediation is in one of the allowed statuses."""
    current = MediationStatus(status)
    if current in allowed:
        return
    if current is CLOSED:
        raise Conflict(f"Cannot {doing}: the mediation is closed.", status=current.value)
    wanted = " or ".join(sorted(s.value for s in allowed))
    raise Conflict(
        f"Cannot {doing} while the mediation is {current.value}; it must be {wanted}.",
        status=current.value,
    )


def require_closable(status: str, outcome: Outcome) -> None:
    """Raises 409 unless a mediation in `status` may close with `outcome`."""
    current = MediationStatus(status)
    if current is CLOSED:
        raise Conflict("Cannot close: the mediation is already closed.", status=current.value)
    if current not in CLOSABLE_FROM[outcome]:
        raise Conflict(
            f"Cannot close as {outcome.value} while {current.value}: {_WHY_NOT_CLOSE[outcome]}",
            status=current.value,
        )
