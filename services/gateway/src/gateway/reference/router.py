"""GET /v1/reference and /v1/reference/{vocabulary}: codes and labels, no business data.

Any authenticated role reads them (the policy rows); answers carry a strong ETag
so a frontend revalidates with If-None-Match and gets a 304 while nothing changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response

from gateway.reference import registry
from gateway.reference.schemas import (
    ReferenceIndex,
    TermRead,
    VocabularyEntry,
    VocabularyRead,
)
from ombuds_shared.errors import PROBLEM_RESPONSES, NotFound
from ombuds_shared.i18n import translate
from ombuds_shared.vocabulary import READER_VOCABULARIES

router = APIRouter(prefix="/v1/reference", tags=["reference"], responses=PROBLEM_RESPONSES)

# Fixed vocabularies change only with a release; an hour of reuse, then revalidation.
_FIXED_MAX_AGE = 3600
IfNoneMatch = Annotated[str | None, Header(description="A previous answer's ETag.")]


def _cacheable(model: Any, if_none_match: str | None, max_age: int = _FIXED_MAX_AGE) -> Response:
    body = model.model_dump_json().encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"private, max-age={max_age}, must-revalidate"}
    # A list of tags, or "*" (RFC 9110 13.1.2); weak ones compare equal for a GET.
    offered = {tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",")}
    if etag in offered or "*" in offered:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "",
    response_model=ReferenceIndex,
    summary="The vocabularies frontends may read (cacheable; ETag)",
    responses={304: {"description": "Not modified (If-None-Match matched)."}},
)
async def reference_index(if_none_match: IfNoneMatch = None) -> Response:
    listed = registry.listings()
    index = ReferenceIndex(
        items=[
            VocabularyEntry(
                name=x.name, title=_read(x.name, x.title), href=f"/v1/reference/{x.name}"
            )
            for x in listed
        ]
    )
    return _cacheable(index, if_none_match, min(x.max_age_seconds for x in listed))


@router.get(
    "/{vocabulary}",
    response_model=VocabularyRead,
    summary="One vocabulary: its codes with labels (cacheable; ETag)",
    description="Labels are English, except those of the vocabularies visitors and parties "
    "read (decline reasons, survey dimensions and questions, pillars, locations, occupational "
    "groups), which come in the language negotiated from Accept-Language (docs/languages.md).",
    responses={304: {"description": "Not modified (If-None-Match matched)."}},
)
async def read_vocabulary(
    vocabulary: str, request: Request, if_none_match: IfNoneMatch = None
) -> Response:
    listing = registry.listing(vocabulary)
    if listing is None:
        raise NotFound("No such vocabulary; GET /v1/reference lists them.")
    if listing.source is not None:
        items = [TermRead.model_validate(term) for term in await listing.source(request)]
    else:
        items = [
            TermRead(**{**asdict(term), "label": _read(vocabulary, term.label)})
            for term in registry.fixed(vocabulary).terms
        ]
    answer = VocabularyRead(name=listing.name, title=_read(vocabulary, listing.title), items=items)
    return _cacheable(answer, if_none_match, listing.max_age_seconds)


def _read(vocabulary: str, text: str) -> str:
    """A reader vocabulary's text in the request's language; any other's as written."""
    return translate(text) if vocabulary in READER_VOCABULARIES else text
