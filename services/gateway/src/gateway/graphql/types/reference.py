"""Reference vocabularies: codes with English labels, as served at /v1/reference."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.graphql.types.common import from_rest


@strawberry.type(description="A vocabulary the reference routes serve.")
class VocabularyEntry:
    name: str
    title: str


@strawberry.type(description="A code of a vocabulary with its English label.")
class VocabularyTerm:
    code: str
    label: str
    parent: str | None = strawberry.field(
        default=None, description="A taxonomy sub-category's category code."
    )
    report_label: str | None = strawberry.field(
        default=None, description="A taxonomy category's wording in the office's reports."
    )
    version: str | None = strawberry.field(
        default=None, description="The taxonomy version the term belongs to."
    )


@strawberry.type(description="One vocabulary and its terms.")
class Vocabulary:
    name: str
    title: str
    items: list[VocabularyTerm]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Vocabulary:
        return cls(
            name=data["name"],
            title=data["title"],
            items=[from_rest(VocabularyTerm, item) for item in data["items"]],
        )
