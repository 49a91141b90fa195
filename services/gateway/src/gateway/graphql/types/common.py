"""Relay-style pages over the services' cursor pages."""

from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

from ombuds_shared.pagination import MAX_PAGE_SIZE
from ombuds_shared.reference import Location, OccupationalGroup, Pillar

NodeT = TypeVar("NodeT")

PillarEnum = strawberry.enum(Pillar, description="A pillar of the organization.")
LocationEnum = strawberry.enum(Location, description="Location of the duty station.")
OccupationalGroupEnum = strawberry.enum(OccupationalGroup, description="Occupational group.")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str | None


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo

    @classmethod
    def of(cls, nodes: list[NodeT], next_cursor: str | None) -> Connection[NodeT]:
        edges = [Edge(node=n, cursor=None) for n in nodes]
        if edges:
            edges[-1].cursor = next_cursor
        return cls(edges=edges, page_info=PageInfo(has_next_page=next_cursor is not None,
                                                   end_cursor=next_cursor))  # fmt: skip


def page_size(first: int) -> int:
    """The page size asked for, within the limits REST applies too."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        from ombuds_shared.errors import ValidationFailed

        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE_SIZE}.")
    return first
