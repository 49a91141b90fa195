"""The de-identification projection: only what the allow-list names reaches analytics,
and only in the shape it names (pseudonyms, months, codes)."""

from __future__ import annotations

import pytest

from gateway.events.projection import ALLOW_LIST, PRODUCERS, Refused, project
from gateway.events.pseudonym import Pseudonymizer

PSEUDONYM = Pseudonymizer(b"k" * 32)


def _case_opened(**extra: object) -> dict[str, object]:
    return {
        "case_id": "case-123",
        "opened_on": "2026-03-14",
        "pillar": "individual",
        "office": "geneva",
        "is_group": False,
        "participant_count": 1,
        **extra,
    }


def test_only_allowed_fields_pass_and_identifiers_become_pseudonyms() -> None:
    projected = project(
        producer="cases",
        event_id="evt-1",
        event_type="case.opened",
        payload=_case_opened(visitor_name="Amani", note="said in confidence", email="a@b.c"),
        pseudonym=PSEUDONYM,
    )
    payload = projected["payload"]
    assert set(payload) <= {field.name for field in ALLOW_LIST["case.opened"].values()}
    assert payload["opened_month"] == "2026-03"  # a month, never the day
    assert payload["case_key"] == PSEUDONYM("case", "case-123") != "case-123"
    assert projected["event_id"] == PSEUDONYM("event", "evt-1") != "evt-1"
    flat = repr(projected)
    for secret in ("Amani", "confidence", "a@b.c", "case-123", "2026-03-14"):
        assert secret not in flat


def test_pseudonyms_differ_by_kind_and_key() -> None:
    assert PSEUDONYM("case", "x") != PSEUDONYM("mediation", "x")
    assert PSEUDONYM("case", "x") != Pseudonymizer(b"j" * 32)("case", "x")


def test_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(Refused):
        project(
            producer="cases", event_id="e", event_type="case.note_written",
            payload={"case_id": "c", "text": "secret"}, pseudonym=PSEUDONYM,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("producer", "event_type"),
    [("mediation", "case.opened"), ("cases", "mediation.opened"), ("intake", "case.opened")],
)
def test_a_service_cannot_speak_for_another(producer: str, event_type: str) -> None:
    with pytest.raises(Refused):
        project(
            producer=producer, event_id="e", event_type=event_type,
            payload=_case_opened(), pseudonym=PSEUDONYM,
        )  # fmt: skip


@pytest.mark.parametrize(
    "bad",
    [
        {"opened_on": "the 14th of March"},  # a date that is not one
        {"office": "Geneva office, 3rd floor, room 12"},  # free text where a code belongs
        {"participant_count": "many"},
    ],
)
def test_a_value_of_the_wrong_shape_is_refused_not_passed(bad: dict[str, object]) -> None:
    with pytest.raises(Refused):
        project(
            producer="cases", event_id="e", event_type="case.opened",
            payload=_case_opened(**bad), pseudonym=PSEUDONYM,
        )  # fmt: skip


def test_every_producer_prefix_has_allowed_events() -> None:
    for prefixes in PRODUCERS.values():
        for prefix in prefixes:
            assert any(event_type.startswith(prefix) for event_type in ALLOW_LIST), prefix
