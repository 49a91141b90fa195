"""The import of an office's history (docs/import.md): intake's to call, for the
administrator (policy row `POST /v1/imports/cases`), once it has sealed the identities."""

from typing import Annotated

from fastapi import APIRouter, Depends

from cases.imports import service
from ombuds_shared.auth import require_peer
from ombuds_shared.dependencies import EnvelopeDep, SessionDep
from ombuds_shared.history import ImportBatch, InternalImportAnswer
from ombuds_shared.tokens import Caller

router = APIRouter(prefix="/v1/internal/imports", tags=["internal"])


@router.post(
    "/cases",
    response_model=InternalImportAnswer,
    summary="Import a batch of past cases with their original dates (intake only)",
    description="Each record is checked on its own and answered in `results`, in order: "
    "`created` (with its case id), `unchanged` (imported before with the same content), "
    "`conflict` (imported before with other content) or `invalid` (with the fields and "
    "reasons). With `dry_run`, everything is checked and nothing is written. Events carry "
    "the history's own dates. A record never carries an identity here, only the reference "
    "intake sealed it under.",
)
async def import_cases(
    batch: ImportBatch,
    envelope: EnvelopeDep,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_peer("intake"))],
) -> InternalImportAnswer:
    return await service.import_cases(
        session=session, envelope=envelope, actor=caller.actor, batch=batch
    )
