"""What a service's lifespan builds, typed, and the dependencies that hand it to routes.

Every service keeps one `ServiceState` on its app (`state_of(app)` reads it back), so
mypy checks each read; a service's own extras (intake's keys, analytics' verifiers ...)
sit in `ServiceState.own`, read with `own_state(app, TheirType)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from ombuds_shared.config import ServiceSettings
from ombuds_shared.crypto import Envelope
from ombuds_shared.db import session_from
from ombuds_shared.http import ServiceClient
from ombuds_shared.keys import SigningKey
from ombuds_shared.keystore import SqlKeyStore
from ombuds_shared.outbox import OutboxRelay
from ombuds_shared.tokens import TokenVerifier

__all__ = [
    "EnvelopeDep",
    "PeersDep",
    "ReadSessionDep",
    "SessionDep",
    "own_state",
    "settings_of",
    "state_of",
]

_T = TypeVar("_T")
_S = TypeVar("_S", bound=ServiceSettings)


@dataclass(slots=True)
class ServiceState:
    """What the lifespan of a service built by `create_service_app` holds for its routes."""

    settings: ServiceSettings
    engine: AsyncEngine
    session_maker: async_sessionmaker[AsyncSession]
    read_session_maker: async_sessionmaker[AsyncSession]
    signing_key: SigningKey
    token_verifier: TokenVerifier
    # None for a service that keeps no data keys.
    key_store: SqlKeyStore | None
    # None when no master key ring is configured: whatever needs it fails closed.
    envelope: Envelope | None
    peers: dict[str, ServiceClient]
    outbox_relay: OutboxRelay | None = None
    # The service's own extras, set by its startup hook (see own_state).
    own: object = None


def state_of(app: Starlette) -> ServiceState:
    """The app's ServiceState (only there while its lifespan runs)."""
    state = getattr(app.state, "service", None)
    if not isinstance(state, ServiceState):
        raise RuntimeError("The service's lifespan has not run: no ServiceState on the app.")
    return state


def own_state(app: Starlette, kind: type[_T]) -> _T:
    """The service's own extras, checked to be the `kind` its startup hook stored."""
    own = state_of(app).own
    if not isinstance(own, kind):
        raise RuntimeError(f"The service's startup hook has not stored its {kind.__name__}.")
    return own


def settings_of(app: Starlette, kind: type[_S]) -> _S:
    """The service's settings, as the settings class the service is built with."""
    settings = state_of(app).settings
    if not isinstance(settings, kind):
        raise RuntimeError(f"The service was not built with {kind.__name__}.")
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yields a session from the app's session maker; use with scope="function"."""
    async with session_from(state_of(request.app).session_maker) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Like get_session, for a route that only reads (a single consistent statement
    at a time is all it needs): no transaction round trips (see ombuds_shared.db)."""
    async with session_from(state_of(request.app).read_session_maker) as session:
        yield session


async def get_envelope(request: Request) -> Envelope | None:
    """The master key ring (None when unconfigured: what needs it fails closed)."""
    return state_of(request.app).envelope


async def get_peers(request: Request) -> dict[str, ServiceClient]:
    """The clients of the peer services, by name."""
    return state_of(request.app).peers


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
EnvelopeDep = Annotated[Envelope | None, Depends(get_envelope)]
PeersDep = Annotated[dict[str, ServiceClient], Depends(get_peers)]
