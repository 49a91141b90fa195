"""The routers this service mounts, all under /v1."""

from intake.audit.router import router as audit_router
from intake.directory.router import internal_router as directory_internal_router
from intake.directory.router import router as directory_router
from intake.imports.router import router as imports_router
from intake.message.router import router as message_router
from intake.own.router import router as own_router
from intake.receipt.router import router as receipt_router
from intake.request.router import router as request_router
from intake.request.router import walk_in_router
from intake.vault.party_router import router as party_router
from intake.vault.router import router as vault_router

ROUTERS = (
    own_router,
    request_router,
    message_router,
    receipt_router,
    walk_in_router,
    vault_router,
    party_router,
    audit_router,
    directory_router,
    directory_internal_router,
    imports_router,
)
