"""The import of an office's history (docs/import.md): the administrator's, through the
gateway (policy row `POST /v1/imports/cases`)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from cases.case.dependencies import SessionDep
from cases.imports import service
from ombuds_shared.auth import require_user
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.history import ImportAnswer, ImportBatch
from ombuds_shared.tokens import Actor

router = APIRouter(prefix="/v1/imports", tags=["history import"], responses=PROBLEM_RESPONSES)


@router.post(
    "/cases",
    response_model=ImportAnswer,
    summary="Import a batch of past cases with their original dates",
    description="Each record is checked on its own and answered in `results`, in order: "
    "`created` (201), `unchanged` (200: imported before with the same content), `conflict` "
    "(409: imported before with other content) or `invalid` (422, with the fields and "
    "reasons). A bad record never stops the others. With `dry_run`, everything is checked "
    "and nothing is written. Events carry the history's own dates.",
)
async def import_cases(
    batch: ImportBatch,
    request: Request,
    session: SessionDep,
    actor: Annotated[Actor, Depends(require_user("administrator"))],
) -> ImportAnswer:
    return await service.import_cases(
        session=session, envelope=request.app.state.envelope, actor=actor, batch=batch
    )
