from typing import Annotated

from fastapi import Depends, Request

from analytics.state import analytics_state
from ombuds_shared.auth import bearer_token
from ombuds_shared.errors import Unauthorized
from ombuds_shared.tokens import EVENT_TOKEN_SUBJECT


async def event_delivery(request: Request) -> str:
    """Admits only the gateway's event token: no user token, no peer token passes."""
    claims = await analytics_state(request.app).event_verifier.verify(bearer_token(request))
    if claims.get("sub") != EVENT_TOKEN_SUBJECT:
        raise Unauthorized("This route takes the gateway's event deliveries only.")
    return str(claims["sub"])


EventDeliveryDep = Annotated[str, Depends(event_delivery)]
