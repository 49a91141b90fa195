"""The vocabularies the reference routes serve: the shared library's fixed ones, and any
another module registers (offices, which are data, are listed by the module serving them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ombuds_shared.vocabulary import VOCABULARIES, Vocabulary

# Answers a vocabulary's terms as JSON-ready dicts, given the request being served
# (`request.state.actor` is the caller, `request.state.gateway` the gateway's state).
TermSource = Callable[[Any], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class Listing:
    name: str
    title: str
    # None: a fixed vocabulary of the shared library; else where its terms come from.
    source: TermSource | None = None
    # How long a client may reuse an answer before revalidating it (data changes sooner).
    max_age_seconds: int = 3600


_LISTINGS: dict[str, Listing] = {v.name: Listing(v.name, v.title) for v in VOCABULARIES.values()}


def register(listing: Listing) -> None:
    """Adds a vocabulary to the index and to GET /v1/reference/{vocabulary}."""
    if listing.name in _LISTINGS:
        raise ValueError(f"the vocabulary {listing.name!r} is already served")
    _LISTINGS[listing.name] = listing


def listings() -> list[Listing]:
    """Every vocabulary served, in name order."""
    return sorted(_LISTINGS.values(), key=lambda listing: listing.name)


def listing(name: str) -> Listing | None:
    return _LISTINGS.get(name)


def fixed(name: str) -> Vocabulary:
    return VOCABULARIES[name]
