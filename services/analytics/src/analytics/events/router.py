from fastapi import APIRouter

from analytics.events import service
from analytics.events.dependencies import EventDeliveryDep
from analytics.events.schemas import IncomingBatch, IngestResults
from ombuds_shared.dependencies import SessionDep
from ombuds_shared.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/internal/events", tags=["events"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    response_model=IngestResults,
    summary="Take de-identified events from the gateway (stored, duplicate or refused each)",
)
async def ingest_events(
    batch: IncomingBatch, session: SessionDep, _: EventDeliveryDep
) -> IngestResults:
    return IngestResults(results=await service.ingest(session=session, events=batch.events))
