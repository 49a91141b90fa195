from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from ombuds_shared.auth import bearer_token
from ombuds_shared.db import get_session
from ombuds_shared.errors import Unauthorized
from ombuds_shared.tokens import EVENT_TOKEN_SUBJECT, TokenVerifier

SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def event_delivery(request: Request) -> str:
    """Admits only the gateway's event token: no user token, no peer token passes."""
    verifier: TokenVerifier = request.app.state.event_verifier
    claims = await verifier.verify(bearer_token(request))
    if claims.get("sub") != EVENT_TOKEN_SUBJECT:
        raise Unauthorized("This route takes the gateway's event deliveries only.")
    return str(claims["sub"])


EventDeliveryDep = Annotated[str, Depends(event_delivery)]
