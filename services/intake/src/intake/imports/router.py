"""`POST /v1/imports/cases`: an office's history, the administrator's (docs/import.md)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from intake.imports import service
from ombuds_shared.app import peer_token
from ombuds_shared.auth import require_user
from ombuds_shared.dependencies import EnvelopeDep, PeersDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.history import ImportAnswer, ImportBatch, InternalImportAnswer
from ombuds_shared.http import ServiceClient
from ombuds_shared.tokens import Actor

router = APIRouter(prefix="/v1/imports", tags=["history import"], responses=PROBLEM_RESPONSES)


@router.post(
    "/cases",
    response_model=ImportAnswer,
    summary="Import a batch of past cases with their original dates (administrator)",
    description="Each record is checked on its own and answered in `results`, in order: "
    "`created` (201), `unchanged` (200: imported before with the same content), `conflict` "
    "(409: imported before with other content) or `invalid` (422, with the fields and "
    "reasons). A bad record never stops the others. With `dry_run`, everything is checked "
    "and nothing is written. A record's `visitor` is sealed in intake's vault and bound to "
    "its case; the cases service writes the case, and events carry the history's own "
    "dates. See docs/import.md.",
)
async def import_cases(
    batch: ImportBatch,
    request: Request,
    envelope: EnvelopeDep,
    peers: PeersDep,
    session: SessionDep,
    actor: Annotated[Actor, Depends(require_user("administrator"))],
) -> ImportAnswer:
    cases: ServiceClient = peers["cases"]

    async def write_cases(body: dict[str, Any]) -> InternalImportAnswer:
        token = peer_token(request.app, "cases", actor)
        answer = await cases.call("POST", service.CASES_IMPORT_PATH, token=token, json_body=body)
        return InternalImportAnswer.model_validate(answer)

    return await service.import_cases(
        session=session,
        envelope=envelope,
        actor=actor,
        batch=batch,
        write_cases=write_cases,
    )
