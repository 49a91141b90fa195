"""The routers this service mounts, all under /v1."""

from intake.audit.router import router as audit_router
from intake.imports.router import router as imports_router
from intake.request.router import router as request_router
from intake.request.router import walk_in_router
from intake.vault.party_router import router as party_router
from intake.vault.router import router as vault_router

ROUTERS = (request_router, walk_in_router, vault_router, party_router, audit_router, imports_router)
