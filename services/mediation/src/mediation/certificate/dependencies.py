import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mediation.certificate.cache import LookupCache
from mediation.certificate.signing import CertificateKeys
from mediation.state import mediation_state
from ombuds_shared.auth import require_user
from ombuds_shared.db import MAYBE_DATABASE_DOWN, database_unavailable
from ombuds_shared.dependencies import state_of
from ombuds_shared.errors import ServiceUnavailable
from ombuds_shared.tokens import Actor

RegistryDep = Annotated[Actor, Depends(require_user("registry"))]
CertificateReaderDep = Annotated[Actor, Depends(require_user("registry", "mediator", "chief"))]
RequestReaderDep = CertificateReaderDep


@contextlib.asynccontextmanager
async def connect(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A bare connection for Core reads (no ORM session); 503 when the database is away."""
    try:
        async with engine.connect() as connection:
            yield connection
    except MAYBE_DATABASE_DOWN as exc:
        if not database_unavailable(exc):
            raise
        raise ServiceUnavailable("The database is not reachable right now.") from exc


async def read_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A connection released before the response is sent."""
    async with connect(state_of(request.app).engine) as connection:
        yield connection


ConnectionDep = Annotated[AsyncConnection, Depends(read_connection, scope="function")]


# async: a plain def dependency would run in the thread pool on every request.
async def certificate_keys(request: Request) -> CertificateKeys:
    """The certificate signing key ring."""
    keys: CertificateKeys = mediation_state(request.app).certificate_keys
    return keys


KeysDep = Annotated[CertificateKeys, Depends(certificate_keys)]


async def lookup_cache(request: Request) -> LookupCache:
    """This replica's cache of rendered lookups."""
    cache: LookupCache = mediation_state(request.app).certificate_cache
    return cache


CacheDep = Annotated[LookupCache, Depends(lookup_cache)]
