"""Six languages for what visitors and parties read, chosen by Accept-Language, through
the running gateway (issue 17, point 4); and catalogues that keep up with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ombuds_shared import i18n
from ombuds_shared.vocabulary import DeclineReason, label_of

from .conftest import Stack, intake_body

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "shared" / "src", *sorted((ROOT / "services").glob("*/src"))]
ARABIC_NOT_ALLOWED = "غير مسموح"


# The catalogues ----------------------------------------------------------------------


def test_the_code_marks_the_texts_readers_see() -> None:
    messages = i18n.extract_messages(SOURCES)
    from intake.request.schemas import INFORMALITY_NOTICE

    assert INFORMALITY_NOTICE in messages
    assert "Not found" in messages  # a problem title
    assert label_of(DeclineReason.OUTSIDE_MANDATE) in messages


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_every_catalogue_translates_every_message_of_the_code(language: str) -> None:
    messages = i18n.extract_messages(SOURCES)
    assert i18n.missing_messages(language, messages) == []


def test_a_catalogue_missing_a_message_is_caught() -> None:
    assert i18n.missing_messages("fr", ["A sentence added to the code yesterday"]) == [
        "A sentence added to the code yesterday"
    ]


@pytest.mark.parametrize("language", i18n.LANGUAGES[1:])
def test_every_catalogue_says_its_review_status(language: str) -> None:
    source = (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "ombuds.po").read_text("utf-8")
    status = re.search(r'^"X-Review-Status: (\w+)\\n"$', source, flags=re.M)
    assert status is not None
    assert status.group(1) in {"draft", "approved"}
    assert f'"Language: {language}\\n"' in source


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("de, ar;q=0.5, fr;q=0.4", "ar"),  # the best one offered, not the first one
        ("en;q=0.1, zh-CN;q=0.9", "zh"),
        ("ru;q=0, es", "es"),  # q=0 means "not this one"
        ("de-DE, *;q=0.5", "en"),
        ("", "en"),
        (None, "en"),
        ("q=;;,, ;q=x", "en"),  # malformed: English, never an error
    ],
)
def test_the_language_is_negotiated_by_quality(header: str | None, chosen: str) -> None:
    assert i18n.negotiate(header) == chosen


def test_arabic_is_written_right_to_left() -> None:
    assert [i18n.direction(language) for language in i18n.LANGUAGES] == [
        "ltr", "ltr", "ltr", "rtl", "ltr", "ltr"
    ]  # fmt: skip


# Through the gateway -----------------------------------------------------------------


async def test_a_visitor_reads_the_notice_in_french(stack: Stack) -> None:
    answer = await stack.gateway.post(
        "/v1/intake/requests",
        json=intake_body(),
        headers={**stack.auth("visitor", sub="visitor-fr"), "Accept-Language": "fr-CH, en;q=0.5"},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert answer.headers["Content-Language"] == "fr"
    assert "Accept-Language" in answer.headers["Vary"]
    assert body["notice"].startswith("Le Bureau de l'Ombudsman est une ressource informelle")
    assert (body["notice_language"], body["notice_direction"]) == ("fr", "ltr")


async def test_arabic_notice_and_problem_titles_say_right_to_left(stack: Stack) -> None:
    arabic = {"Accept-Language": "ar"}
    answer = await stack.gateway.post(
        "/v1/intake/requests",
        json=intake_body(),
        headers={**stack.auth("visitor", sub="visitor-ar"), **arabic},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["notice"].startswith("مكتب أمين المظالم")
    assert (answer.json()["notice_language"], answer.json()["notice_direction"]) == ("ar", "rtl")
    # A refusal by the gateway itself (the policy): the title in Arabic, the type unchanged.
    refused = await stack.gateway.get(
        "/v1/cases", headers={**stack.auth("hr_portal", sub="portal-ar"), **arabic}
    )
    assert refused.status_code == 403
    assert refused.headers["Content-Language"] == "ar"
    problem = refused.json()
    assert problem["title"] == ARABIC_NOT_ALLOWED
    assert problem["type"].endswith("/forbidden")
    # A problem raised by a service behind the gateway: translated there, passed through.
    missing = await stack.gateway.get(
        "/v1/intake/requests/OMB-0000-0000",
        headers={**stack.auth("visitor", sub="visitor-ar"), **arabic},
    )
    assert missing.status_code == 404, missing.text
    assert missing.json()["title"] == "غير موجود"


async def test_an_unknown_language_falls_back_to_english(stack: Stack) -> None:
    german = {"Accept-Language": "de-DE, de;q=0.9"}
    answer = await stack.gateway.post(
        "/v1/intake/requests",
        json=intake_body(),
        headers={**stack.auth("visitor", sub="visitor-de"), **german},
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["Content-Language"] == "en"
    from intake.request.schemas import INFORMALITY_NOTICE

    assert answer.json()["notice"] == INFORMALITY_NOTICE
    refused = await stack.gateway.get("/v1/cases", headers=german)
    assert refused.status_code == 401
    assert refused.json()["title"] == "Authentication required"


async def test_reader_vocabularies_come_translated_and_staff_ones_do_not(stack: Stack) -> None:
    visitor = stack.auth("visitor", sub="visitor-es")
    english = await stack.gateway.get("/v1/reference/decline_reasons", headers=visitor)
    spanish = await stack.gateway.get(
        "/v1/reference/decline_reasons", headers={**visitor, "Accept-Language": "es"}
    )
    assert spanish.status_code == 200, spanish.text
    labels = {term["code"]: term["label"] for term in spanish.json()["items"]}
    assert labels["outside_mandate"] == "Fuera del mandato"
    assert spanish.json()["title"] == "Motivos por los que se rechazó una solicitud de ayuda"
    # Each language is its own representation: a cached English answer is not reused.
    assert spanish.headers["ETag"] != english.headers["ETag"]
    assert "Accept-Language" in spanish.headers["Vary"]
    questions = await stack.gateway.get(
        "/v1/reference/exit_survey_questions", headers={**visitor, "Accept-Language": "zh"}
    )
    assert {t["code"]: t["label"] for t in questions.json()["items"]}["would_recommend"] == (
        "您会向同事推荐本办公室吗？"  # noqa: RUF001 - Chinese punctuation, as written
    )
    # The taxonomy is the office's working vocabulary: English whatever the reader asks.
    taxonomy = await stack.gateway.get(
        "/v1/reference/taxonomy", headers={**visitor, "Accept-Language": "es"}
    )
    english_taxonomy = await stack.gateway.get("/v1/reference/taxonomy", headers=visitor)
    assert taxonomy.json() == english_taxonomy.json()


async def test_graphql_answers_in_the_negotiated_language(stack: Stack) -> None:
    answer = await stack.gateway.post(
        "/graphql",
        json={
            "query": """mutation Ask($input: IntakeRequestInput!) {
                submitIntakeRequest(input: $input) { notice noticeLanguage noticeDirection } }""",
            "variables": {
                "input": {
                    "visitor": {"name": "Olga Petrova", "email": "olga.petrova@example.org"},
                    "pillar": "SECRETARIAT",
                    "office": "nairobi",
                    "location": "HEADQUARTERS",
                    "occupationalGroup": "GENERAL_SERVICE",
                }
            },
        },
        headers={**stack.auth("visitor", sub="visitor-ru"), "Accept-Language": "ru"},
    )
    assert answer.status_code == 200, answer.text
    acknowledgement = answer.json()["data"]["submitIntakeRequest"]
    assert acknowledgement["notice"].startswith("Канцелярия Омбудсмена")
    assert (acknowledgement["noticeLanguage"], acknowledgement["noticeDirection"]) == ("ru", "ltr")
    assert answer.headers["Content-Language"] == "ru"


async def test_identities_and_stored_content_are_never_translated(stack: Stack) -> None:
    # A visitor whose name is, word for word, a message of the catalogues: "Unknown" is
    # "Inconnu" in French, yet the name must come back as the visitor wrote it.
    visitor = {**stack.auth("visitor", sub="visitor-unknown"), "Accept-Language": "fr"}
    body = intake_body(visitor={"name": "Unknown", "email": "unknown@example.org"})
    submitted = await stack.gateway.post("/v1/intake/requests", json=body, headers=visitor)
    assert submitted.status_code == 201, submitted.text
    reference = submitted.json()["reference"]
    mine = await stack.gateway.get(f"/v1/intake/requests/{reference}", headers=visitor)
    assert mine.status_code == 200, mine.text
    assert mine.headers["Content-Language"] == "fr"
    assert mine.json()["visitor"]["name"] == "Unknown"
    assert "Inconnu" not in mine.text
