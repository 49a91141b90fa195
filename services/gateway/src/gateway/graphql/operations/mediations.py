"""Mediations: the mediator's desk and the chief's oversight; every step of the state machine."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import Connection, ListOrder, from_rest, page_size, rest_body
from gateway.graphql.types.contact import Contact, ContactInput
from gateway.graphql.types.mediation import (
    DeadlineLedger,
    Extension,
    Mediation,
    MediationInput,
    MediationNote,
    MediationSessionDetail,
    MediatorDeclaration,
    Party,
    PartyIdentityInput,
    ScheduledSession,
    ScheduleEntry,
)
from ombuds_shared.pagination import DEFAULT_PAGE_SIZE

MEDIATIONS = "/v1/mediations"


@strawberry.type
class MediationQuery:
    @resolvers.field(description="Mediations of your office (all of them for the chief).")
    @problems_as_errors
    async def mediations(
        self,
        info: GqlInfo,
        status: str | None = None,
        due_soon: Annotated[
            bool,
            strawberry.argument(description="Only those with a clock due within the warning."),
        ] = False,
        due_within_days: Annotated[
            int | None, strawberry.argument(description="Only those with a clock due within.")
        ] = None,
        order: ListOrder = ListOrder.NEWEST_FIRST,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Mediation]:
        query = {
            "status": status,
            "due_soon": "true" if due_soon else None,
            "due_within_days": due_within_days,
            "order": order.value,
            "limit": page_size(first),
            "cursor": after,
        }
        page = await info.context.rest("GET", MEDIATIONS, query=query)
        nodes = [Mediation.of(item) for item in page["items"]]
        return Connection.of(nodes, page["next_cursor"])

    @resolvers.field(description="One mediation you work on.")
    @problems_as_errors
    async def mediation(self, info: GqlInfo, id: strawberry.ID) -> Mediation:
        return Mediation.of(await info.context.loaders.mediation.load(id))

    @resolvers.field(description="One session of a mediation, with its history.")
    @problems_as_errors
    async def mediation_session(
        self, info: GqlInfo, mediation_id: strawberry.ID, session_id: strawberry.ID
    ) -> MediationSessionDetail:
        path = _path(mediation_id, f"sessions/{session_id}")
        return MediationSessionDetail.of(await info.context.rest("GET", path))

    @resolvers.field(
        description="Planned and held sessions in a window: the office's for the chief, your "
        "own for a mediator; times and modes only."
    )
    @problems_as_errors
    async def mediation_schedule(
        self,
        info: GqlInfo,
        since: Annotated[
            dt.date | None, strawberry.argument(name="from", description="Default: today.")
        ] = None,
        days: int = 31,
    ) -> list[ScheduleEntry]:
        query = {"from": since.isoformat() if since else None, "days": days}
        page = await info.context.rest("GET", "/v1/mediation-schedule", query=query)
        return [from_rest(ScheduleEntry, item) for item in page["items"]]


def _path(mediation_id: str, step: str = "") -> str:
    return f"{MEDIATIONS}/{mediation_id}" + (f"/{step}" if step else "")


@strawberry.type
class MediationMutation:
    @resolvers.mutation(description="Open a mediation on a referral.")
    @problems_as_errors
    async def open_mediation(self, info: GqlInfo, input: MediationInput) -> Mediation:
        body = rest_body(**vars(input))
        return Mediation.of(await info.context.rest("POST", MEDIATIONS, body=body))

    @resolvers.mutation(
        description="Accept the referral on a date (default today; not in the future, not "
        "before the referral): the tribunal's suspension runs from it, and the parties' "
        "agreement is sought."
    )
    @problems_as_errors
    async def accept_mediation_referral(
        self, info: GqlInfo, mediation_id: strawberry.ID, accepted_on: dt.date | None = None
    ) -> Mediation:
        body = rest_body(accepted_on=accepted_on)
        return Mediation.of(
            await info.context.rest("POST", _path(mediation_id, "accept"), body=body)
        )

    @resolvers.mutation(
        description="Add a party before it starts: its identity (sealed in intake's vault, "
        "bound to this mediation) or an opaque reference."
    )
    @problems_as_errors
    async def add_mediation_party(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        reference: str | None = None,
        identity: PartyIdentityInput | None = None,
        represents_administration: bool = False,
    ) -> Party:
        body = rest_body(
            reference=reference,
            identity=rest_body(**vars(identity)) if identity is not None else None,
            represents_administration=represents_administration,
        )
        answer = await info.context.rest("POST", _path(mediation_id, "parties"), body=body)
        return from_rest(Party, answer)

    @resolvers.mutation(
        description="Record a party's agreement to mediate, or refusal (which closes it)."
    )
    @problems_as_errors
    async def record_party_agreement(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        party_id: strawberry.ID,
        agrees: bool,
        on: Annotated[dt.date, strawberry.argument(name="date")],
    ) -> Mediation:
        path = _path(mediation_id, f"parties/{party_id}/agreement")
        body = rest_body(agrees=agrees, on=on)
        return Mediation.of(await info.context.rest("POST", path, body=body))

    @resolvers.mutation(description="Declare, as a mediator, whether you have a conflict.")
    @problems_as_errors
    async def declare_mediator_conflict(
        self, info: GqlInfo, mediation_id: strawberry.ID, has_conflict: bool
    ) -> MediatorDeclaration:
        path = _path(mediation_id, "declarations")
        answer = await info.context.rest("POST", path, body={"has_conflict": has_conflict})
        return from_rest(MediatorDeclaration, answer)

    @resolvers.mutation(
        description="Assign a mediator who declared no conflict (none named: you take it)."
    )
    @problems_as_errors
    async def assign_mediator(
        self, info: GqlInfo, mediation_id: strawberry.ID, mediator: str | None = None
    ) -> Mediation:
        path = _path(mediation_id, "mediator")
        body = rest_body(mediator=mediator)
        return Mediation.of(await info.context.rest("PUT", path, body=body))

    @resolvers.mutation(
        description="Start the mediation once every party agreed: by its first session (with "
        "the session's mode) or by the signed agreement to mediate."
    )
    @problems_as_errors
    async def start_mediation(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        started_on: dt.date,
        basis: Annotated[
            str, strawberry.argument(description="first_session or signed_agreement.")
        ],
        mode: Annotated[str | None, strawberry.argument(description="in_person or remote.")] = None,
    ) -> Mediation:
        body = rest_body(started_on=started_on, basis=basis, mode=mode)
        return Mediation.of(
            await info.context.rest("POST", _path(mediation_id, "start"), body=body)
        )

    @resolvers.mutation(
        description="Record a session held (heldOn) or plan one (startsAt as local wall time, "
        "timeZone, and durationMinutes or endsAt); overlaps come back as warnings."
    )
    @problems_as_errors
    async def record_mediation_session(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        mode: Annotated[str, strawberry.argument(description="in_person, video or phone.")],
        held_on: dt.date | None = None,
        starts_at: dt.datetime | None = None,
        time_zone: str | None = None,
        duration_minutes: int | None = None,
        ends_at: dt.datetime | None = None,
        venue: str | None = None,
        venue_in_calendar: bool | None = None,
    ) -> ScheduledSession:
        body = rest_body(
            held_on=held_on,
            mode=mode,
            starts_at=starts_at,
            time_zone=time_zone,
            duration_minutes=duration_minutes,
            ends_at=ends_at,
            venue=venue,
            venue_in_calendar=venue_in_calendar,
        )
        answer = await info.context.rest("POST", _path(mediation_id, "sessions"), body=body)
        return ScheduledSession.of(answer)

    @resolvers.mutation(description="Move a planned session, with a reason code.")
    @problems_as_errors
    async def reschedule_mediation_session(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        session_id: strawberry.ID,
        starts_at: dt.datetime,
        time_zone: str,
        reason: str,
        duration_minutes: int | None = None,
        ends_at: dt.datetime | None = None,
        mode: str | None = None,
        venue: str | None = None,
        venue_in_calendar: bool | None = None,
    ) -> ScheduledSession:
        body = rest_body(
            starts_at=starts_at,
            time_zone=time_zone,
            reason=reason,
            duration_minutes=duration_minutes,
            ends_at=ends_at,
            mode=mode,
            venue=venue,
            venue_in_calendar=venue_in_calendar,
        )
        path = _path(mediation_id, f"sessions/{session_id}/reschedule")
        return ScheduledSession.of(await info.context.rest("POST", path, body=body))

    @resolvers.mutation(description="Cancel a planned session, with a reason code.")
    @problems_as_errors
    async def cancel_mediation_session(
        self, info: GqlInfo, mediation_id: strawberry.ID, session_id: strawberry.ID, reason: str
    ) -> MediationSessionDetail:
        path = _path(mediation_id, f"sessions/{session_id}/cancel")
        answer = await info.context.rest("POST", path, body={"reason": reason})
        return MediationSessionDetail.of(answer)

    @resolvers.mutation(description="Record that a planned session was held, on its day.")
    @problems_as_errors
    async def mark_mediation_session_held(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        session_id: strawberry.ID,
        mode: str | None = None,
    ) -> MediationSessionDetail:
        path = _path(mediation_id, f"sessions/{session_id}/held")
        answer = await info.context.rest("POST", path, body=rest_body(mode=mode))
        return MediationSessionDetail.of(answer)

    @resolvers.mutation(description="Log a contact on a mediation: date, medium, minutes, roles.")
    @problems_as_errors
    async def log_mediation_contact(
        self, info: GqlInfo, mediation_id: strawberry.ID, input: ContactInput
    ) -> Contact:
        answer = await info.context.rest(
            "POST", _path(mediation_id, "contacts"), body=input.to_rest()
        )
        return from_rest(Contact, answer)

    @resolvers.mutation(description="Close with an outcome the current status allows.")
    @problems_as_errors
    async def close_mediation(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        outcome: str,
        closed_on: dt.date,
        settlement_signed_on: dt.date | None = None,
        implementation_deadline: dt.date | None = None,
    ) -> Mediation:
        body = rest_body(
            outcome=outcome,
            closed_on=closed_on,
            settlement_signed_on=settlement_signed_on,
            implementation_deadline=implementation_deadline,
        )
        return Mediation.of(
            await info.context.rest("POST", _path(mediation_id, "close"), body=body)
        )

    @resolvers.mutation(
        description="Register a filing period the mediation stops while the parties mediate."
    )
    @problems_as_errors
    async def register_deadline_clock(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        kind: Annotated[
            str, strawberry.argument(description="filing_period or management_evaluation.")
        ],
        started_on: dt.date,
        period_days: int | None = None,
    ) -> DeadlineLedger:
        body = rest_body(kind=kind, started_on=started_on, period_days=period_days)
        answer = await info.context.rest("POST", _path(mediation_id, "deadlines"), body=body)
        return DeadlineLedger.of(answer)

    @resolvers.mutation(description="Record a request to extend the tribunal's suspension.")
    @problems_as_errors
    async def request_extension(
        self, info: GqlInfo, mediation_id: strawberry.ID, requested_on: dt.date, requested_days: int
    ) -> Extension:
        body = rest_body(requested_on=requested_on, requested_days=requested_days)
        answer = await info.context.rest("POST", _path(mediation_id, "extensions"), body=body)
        return from_rest(Extension, answer)

    @resolvers.mutation(
        description="Record the tribunal's decision on an extension (a grant moves the due date)."
    )
    @problems_as_errors
    async def decide_extension(
        self,
        info: GqlInfo,
        mediation_id: strawberry.ID,
        extension_id: strawberry.ID,
        granted: bool,
        decided_on: dt.date,
        days: int | None = None,
    ) -> Extension:
        path = _path(mediation_id, f"extensions/{extension_id}/decision")
        body = rest_body(granted=granted, decided_on=decided_on, days=days)
        return from_rest(Extension, await info.context.rest("POST", path, body=body))

    @resolvers.mutation(description="Write a confidential note (the assigned mediator only).")
    @problems_as_errors
    async def write_mediation_note(
        self, info: GqlInfo, mediation_id: strawberry.ID, body: str
    ) -> MediationNote:
        path = _path(mediation_id, "notes")
        return from_rest(MediationNote, await info.context.rest("POST", path, body={"body": body}))
