"""The import of an office's past mediations (docs/import.md): the administrator's,
through the gateway (policy row `POST /v1/imports/mediations`)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from mediation.case.schemas import PartyIdentityCreate
from mediation.imports import service
from ombuds_shared.app import peer_token
from ombuds_shared.auth import require_user
from ombuds_shared.dependencies import PeersDep, SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES
from ombuds_shared.history import ImportAnswer, ImportBatch
from ombuds_shared.http import ServiceClient
from ombuds_shared.tokens import Actor

router = APIRouter(prefix="/v1/imports", tags=["history import"], responses=PROBLEM_RESPONSES)


@router.post(
    "/mediations",
    response_model=ImportAnswer,
    summary="Import a batch of past mediations with their original dates (administrator)",
    description="Each record (`kind`: `mediation`) is checked on its own and answered in "
    "`results`, in order: `created` (201), `unchanged` (200: imported before with the same "
    "content), `conflict` (409: imported before with other content) or `invalid` (422, "
    "with the fields and reasons). With `dry_run`, everything is checked and nothing is "
    "written. Parties are known by no name. Events carry the history's own dates. See "
    "docs/import.md.",
)
async def import_mediations(
    batch: ImportBatch,
    request: Request,
    peers: PeersDep,
    session: SessionDep,
    actor: Annotated[Actor, Depends(require_user("administrator"))],
) -> ImportAnswer:
    vault: ServiceClient = peers["intake"]

    async def seal_party(mediation_id: str, office: str, identity: PartyIdentityCreate) -> str:
        token = peer_token(request.app, "intake", actor, asserts={"mediation_id": mediation_id})
        sealed = await vault.call(
            "POST", f"/v1/internal/mediations/{mediation_id}/parties", token=token,
            json_body={"office": office, "identity": identity.model_dump()},
        )  # fmt: skip
        return str(sealed["party_ref"])

    return await service.import_mediations(
        session=session, actor=actor, batch=batch, seal_party=seal_party
    )
