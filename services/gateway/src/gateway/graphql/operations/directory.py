"""The directory: offices for everyone to read, administered with the staff roster."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import PillarEnum, from_rest, rest_body
from gateway.graphql.types.directory import (
    CaseReassignment,
    MediationReassignment,
    Office,
    OfficeInput,
    StaffMember,
    StaffMemberInput,
)


def _office(data: dict[str, Any]) -> Office:
    return from_rest(Office, data)


def _segment(value: str) -> str:
    return quote(value, safe="")


@strawberry.type
class DirectoryQuery:
    @resolvers.field(description="The offices, open and closed (reference data).")
    @problems_as_errors
    async def offices(self, info: GqlInfo) -> list[Office]:
        page = await info.context.rest("GET", "/v1/reference/offices")
        return [_office(o) for o in page["items"]]

    @resolvers.field(description="The staff roster: any office (administrator), or yours (chief).")
    @problems_as_errors
    async def staff(self, info: GqlInfo, office: str | None = None) -> list[StaffMember]:
        page = await info.context.rest("GET", "/v1/staff", query={"office": office})
        return [from_rest(StaffMember, m) for m in page["items"]]

    @resolvers.field(description="Open cases of your office whose ombudsman has left (chief).")
    @problems_as_errors
    async def case_reassignments(self, info: GqlInfo) -> list[CaseReassignment]:
        page = await info.context.rest("GET", "/v1/case-reassignments")
        return [from_rest(CaseReassignment, r) for r in page["items"]]

    @resolvers.field(description="Open mediations of your office whose mediator has left (chief).")
    @problems_as_errors
    async def mediation_reassignments(self, info: GqlInfo) -> list[MediationReassignment]:
        page = await info.context.rest("GET", "/v1/mediation-reassignments")
        return [from_rest(MediationReassignment, r) for r in page["items"]]


@strawberry.type
class DirectoryMutation:
    @resolvers.mutation(description="Open an office (administrator).")
    @problems_as_errors
    async def open_office(self, info: GqlInfo, input: OfficeInput) -> Office:
        body = rest_body(**vars(input))
        return _office(await info.context.rest("POST", "/v1/offices", body=body))

    @resolvers.mutation(description="Rename or move an office (administrator).")
    @problems_as_errors
    async def update_office(
        self,
        info: GqlInfo,
        code: str,
        name: str | None = None,
        city: str | None = None,
        pillar: PillarEnum | None = None,
    ) -> Office:
        body = rest_body(name=name, city=city, pillar=pillar)
        path = f"/v1/offices/{_segment(code)}"
        return _office(await info.context.rest("PATCH", path, body=body))

    @resolvers.mutation(description="Close an office: no new requests; its history stays.")
    @problems_as_errors
    async def close_office(
        self, info: GqlInfo, code: str, closed_on: dt.date | None = None
    ) -> Office:
        path = f"/v1/offices/{_segment(code)}/close"
        return _office(await info.context.rest("POST", path, body=rest_body(closed_on=closed_on)))

    @resolvers.mutation(description="Add a member to an office's roster (administrator).")
    @problems_as_errors
    async def add_staff_member(self, info: GqlInfo, input: StaffMemberInput) -> StaffMember:
        body = rest_body(**vars(input))
        return from_rest(StaffMember, await info.context.rest("POST", "/v1/staff", body=body))

    @resolvers.mutation(description="Mark a member as departed (administrator).")
    @problems_as_errors
    async def deactivate_staff_member(self, info: GqlInfo, subject: str) -> StaffMember:
        path = f"/v1/staff/{_segment(subject)}/deactivate"
        return from_rest(StaffMember, await info.context.rest("POST", path))
