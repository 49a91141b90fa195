"""strawberry's resolver decorators, typed.

Called with options, `strawberry.field` and `strawberry.mutation` are typed as returning Any
(the same call also declares plain fields), so mypy would see every resolver as untyped. These
return strawberry's own decorator unchanged; only its type is stated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

Resolver = TypeVar("Resolver", bound=Callable[..., Any])


def field(**options: Any) -> Callable[[Resolver], Resolver]:
    """`@resolvers.field(...)` for a resolver."""
    return cast(Callable[[Resolver], Resolver], strawberry.field(**options))


def mutation(**options: Any) -> Callable[[Resolver], Resolver]:
    """`@resolvers.mutation(...)` for a resolver."""
    return cast(Callable[[Resolver], Resolver], strawberry.mutation(**options))
