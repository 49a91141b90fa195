import hashlib
import hmac

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.office.models import Office
from analytics.survey.models import DIMENSIONS, ExitResponse, SpentExitToken, WorkplaceResponse
from analytics.survey.schemas import ExitAnswer, WorkplaceUpload
from ombuds_shared.db import utcnow
from ombuds_shared.errors import Forbidden, Unauthorized, ValidationFailed
from ombuds_shared.tokens import TokenVerifier


async def upload_workplace(*, session: AsyncSession, data: WorkplaceUpload) -> int:
    """Stores a batch of anonymous workplace-survey responses, each of a known office."""
    found = await session.execute(select(Office.code, Office.pillar))
    pillars: dict[str, str] = {code: pillar for code, pillar in found}
    for i, r in enumerate(data.responses):
        if r.office not in pillars:
            raise ValidationFailed(
                "No such office.", errors=[{"loc": ["body", "responses", i, "office"]}]
            )
        if pillars[r.office] != r.pillar.value:
            raise ValidationFailed(
                "The office belongs to another pillar.",
                errors=[{"loc": ["body", "responses", i, "pillar"]}],
            )
    rows = [
        {
            "year": r.year,
            "pillar": r.pillar.value,
            "office": r.office,
            "conflict": r.conflict_last_three_months,
            "stressed": r.stress_above_acceptable,
            "hours_on_conflict": r.hours_per_week_on_conflict,
            "unit": r.unit,
            "country": r.country,
            **{d: r.dimensions.get(d) for d in DIMENSIONS},
        }
        for r in data.responses
    ]
    await session.execute(insert(WorkplaceResponse), rows)
    await session.commit()
    return len(rows)


async def answer_exit(*, session: AsyncSession, data: ExitAnswer, token_hash: str) -> None:
    """Spends an exit-survey token and stores its answer under the current year only.

    The spent token and the answer are rows of two tables with nothing in common, so
    that the one cannot be matched to the other; a token spent already refuses the answer.
    """
    session.add(SpentExitToken(token_hash=token_hash))
    session.add(ExitResponse(year=utcnow().year, **data.model_dump(exclude={"token"})))
    try:
        await session.commit()
    except IntegrityError:  # the primary key: spent before, or by a concurrent answer
        await session.rollback()
        raise Forbidden("This exit-survey token has been used already.") from None


def exit_token_key(private_key_bytes: bytes) -> bytes:
    """The key of the spent-token hashes, derived from analytics' own private key, so that
    no one holding a token (its visitor, the handler who closed the matter) can look in
    analytics' database to see whether it was used."""
    return hashlib.sha256(b"ombuds exit-survey token hash\x00" + private_key_bytes).digest()


async def spendable_exit_token(*, verifier: TokenVerifier, key: bytes, token: str | None) -> str:
    """The keyed hash of a valid exit-survey token, or Forbidden: no answer without one."""
    if not token:
        raise Forbidden("The exit survey is answered with the token given when a matter closes.")
    try:
        claims = await verifier.verify(token)
    except Unauthorized:
        raise Forbidden("This exit-survey token is not valid, or has expired.") from None
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 16 <= len(jti) <= 64:
        raise Forbidden("This exit-survey token is not valid, or has expired.")
    return hmac.new(key, jti.encode(), hashlib.sha256).hexdigest()
