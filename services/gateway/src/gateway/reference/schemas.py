from pydantic import BaseModel, Field


class VocabularyEntry(BaseModel):
    name: str = Field(examples=["formal_channels"])
    title: str
    href: str = Field(examples=["/v1/reference/formal_channels"])


class ReferenceIndex(BaseModel):
    items: list[VocabularyEntry]


class TermRead(BaseModel):
    code: str = Field(examples=["victims_rights_advocate"])
    label: str = Field(
        examples=["Victims' rights advocate"],
        description="Label: English, or the negotiated language for reader vocabularies.",
    )
    parent: str | None = Field(None, description="A taxonomy sub-category's category code.")
    report_label: str | None = Field(None, description="A taxonomy category's report wording.")
    version: str | None = Field(None, description="The taxonomy version the term belongs to.")


class VocabularyRead(BaseModel):
    name: str
    title: str
    items: list[TermRead]
