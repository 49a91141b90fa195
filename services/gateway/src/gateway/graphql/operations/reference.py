"""Reference vocabularies for any signed-in role: the same routes as REST."""

from __future__ import annotations

import re
from typing import Annotated

import strawberry

from gateway.graphql import resolvers
from gateway.graphql.context import GqlInfo
from gateway.graphql.errors import problems_as_errors
from gateway.graphql.types.common import from_rest
from gateway.graphql.types.reference import Vocabulary, VocabularyEntry
from ombuds_shared.errors import NotFound

REFERENCE = "/v1/reference"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@strawberry.type
class ReferenceQuery:
    @resolvers.field(description="The vocabularies on offer (GET /v1/reference).")
    @problems_as_errors
    async def vocabularies(self, info: GqlInfo) -> list[VocabularyEntry]:
        index = await info.context.rest("GET", REFERENCE)
        return [from_rest(VocabularyEntry, item) for item in index["items"]]

    @resolvers.field(description="One vocabulary's codes and labels.")
    @problems_as_errors
    async def reference(
        self,
        info: GqlInfo,
        vocabulary: Annotated[
            str, strawberry.argument(description="A name listed by `vocabularies`.")
        ],
    ) -> Vocabulary:
        if not _NAME.fullmatch(vocabulary):
            # A plain name only: it never steers the call to another route.
            raise NotFound("No such vocabulary; `vocabularies` lists them.")
        return Vocabulary.of(await info.context.rest("GET", f"{REFERENCE}/{vocabulary}"))
