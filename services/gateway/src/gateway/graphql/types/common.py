"""What the GraphQL types share: Relay-style pages, reference enums, and reading service JSON."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import strawberry

from ombuds_shared.errors import ValidationFailed
from ombuds_shared.pagination import MAX_PAGE_SIZE
from ombuds_shared.reference import Location, OccupationalGroup, Pillar

NodeT = TypeVar("NodeT")
T = TypeVar("T")

# strawberry.enum registers the shared enums for GraphQL and hands back the same classes;
# naming them again (not the call's result) keeps them types mypy can check.
strawberry.enum(Pillar, description="A pillar of the organization.")
strawberry.enum(Location, description="Location of the duty station.")
strawberry.enum(OccupationalGroup, description="Occupational group.")
PillarEnum = Pillar
LocationEnum = Location
OccupationalGroupEnum = OccupationalGroup


@strawberry.enum(description="The order of a list, by when its items were opened.")
class ListOrder(enum.Enum):
    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"


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
        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE_SIZE}.")
    return first


@strawberry.type
class OfficeRecord:
    """A record of a pillar and an office, resolved from the service's JSON in `data`."""

    data: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def pillar(self) -> PillarEnum:
        return PillarEnum(self.data["pillar"])

    @strawberry.field
    def office(self) -> str:
        return str(self.data["office"])


@strawberry.type
class VisitorProfile(OfficeRecord):
    """An office record that also says where the visitor works (never who they are)."""

    @strawberry.field
    def location(self) -> LocationEnum:
        return LocationEnum(self.data["location"])

    @strawberry.field
    def occupational_group(self) -> OccupationalGroupEnum:
        return OccupationalGroupEnum(self.data["occupational_group"])


def from_rest(cls: type[T], data: Mapping[str, Any], **nested: Any) -> T:
    """A plain GraphQL type from a service's JSON: each field by its name, dates parsed.

    `nested` gives the values of fields that are GraphQL types themselves.
    """
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if field.base_resolver is not None:
            continue
        name = field.python_name
        values[name] = nested[name] if name in nested else _parsed(hints[name], data.get(name))
    return cls(**values)


def _parsed(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(raw)
    if hint is dt.date:
        return dt.date.fromisoformat(raw)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(raw)
    return raw


def parse_datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def rest_body(**values: Any) -> dict[str, Any]:
    """A JSON body for a service from GraphQL arguments: unset ones left out (service defaults)."""
    return {name: _json(value) for name, value in values.items() if value is not None}


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):  # dates and datetimes
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_json(v) for v in value]
    if hasattr(value, "__strawberry_definition__"):  # a GraphQL input
        return rest_body(**vars(value))
    return value
