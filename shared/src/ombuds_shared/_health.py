"""Liveness (`/health`: the process serves) and readiness (`/ready`: it can do its work)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request

from ombuds_shared.db import MAYBE_DATABASE_DOWN, database_unavailable
from ombuds_shared.errors import AppError, ServiceUnavailable

_NOT_READY: tuple[type[BaseException], ...] = (*MAYBE_DATABASE_DOWN, OSError)
ReadyCheck = Callable[[FastAPI], Awaitable[None]]


def health_router(service: str, ready_check: ReadyCheck) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", summary="Liveness: the process is serving")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/ready", summary="Readiness: what this service depends on answers")
    async def ready(request: Request) -> dict[str, str]:
        try:
            await ready_check(request.app)
        except AppError:
            raise
        except _NOT_READY as exc:
            if not (isinstance(exc, OSError) or database_unavailable(exc)):
                raise
            raise ServiceUnavailable("A dependency of this service is not reachable.") from exc
        return {"status": "ready", "service": service}

    return router
