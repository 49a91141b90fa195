"""Ombudsman cases as GraphQL types."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.graphql.types.common import LocationEnum, OccupationalGroupEnum, PillarEnum


@strawberry.type(description="An ombudsman case; the visitor is known only by reference.")
class Case:
    data: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.data["id"])

    @strawberry.field
    def visitor_ref(self) -> str:
        return str(self.data["visitor_ref"])

    @strawberry.field
    def pillar(self) -> PillarEnum:  # type: ignore[valid-type]
        return PillarEnum(self.data["pillar"])

    @strawberry.field
    def office(self) -> str:
        return str(self.data["office"])

    @strawberry.field
    def location(self) -> LocationEnum:  # type: ignore[valid-type]
        return LocationEnum(self.data["location"])

    @strawberry.field
    def occupational_group(self) -> OccupationalGroupEnum:  # type: ignore[valid-type]
        return OccupationalGroupEnum(self.data["occupational_group"])

    @strawberry.field
    def intake_channel(self) -> str:
        return str(self.data["intake_channel"])

    @strawberry.field
    def is_group(self) -> bool:
        return bool(self.data["is_group"])

    @strawberry.field
    def participant_count(self) -> int:
        return int(self.data["participant_count"])

    @strawberry.field
    def status(self) -> str:
        return str(self.data["status"])

    @strawberry.field
    def opened_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.data["opened_at"])

    @strawberry.field
    def closed_at(self) -> dt.datetime | None:
        value = self.data.get("closed_at")
        return dt.datetime.fromisoformat(value) if value else None
