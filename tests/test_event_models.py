"""The events' one definition (ombuds_shared.events) holds the contract together: every
field has an allow-list decision, the gateway's projection is derived from it, analytics
accepts what that projection makes of each event, and docs/events.md lists the same fields."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Annotated, ClassVar, get_args

import pytest

from analytics.events.schemas import PAYLOADS
from gateway.events.projection import ALLOW_LIST, DURATIONS, allow_list, project
from gateway.events.pseudonym import Pseudonymizer
from mediation.webhook.schemas import EventType
from ombuds_shared import events
from ombuds_shared.events import (
    DROPPED,
    EVENTS,
    WEBHOOK_EVENTS,
    CaseEvent,
    Shape,
    Undecided,
    decisions,
    projected_fields,
    projected_vocabularies,
)

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2025, 3, 14)
CASE, MEDIATION, ENTRY = (str(uuid.uuid4()) for _ in range(3))

# One of each event, as a producer builds it.
SAMPLES: list[events.Event] = [
    events.CaseOpened(
        case_id=CASE, opened_on=DAY, pillar="secretariat", office="nairobi",
        location="field_mission", occupational_group="field_service", intake_channel="visitor",
        is_group=False, participant_count=1,
    ),
    events.CaseIssueRecorded(
        case_id=CASE, issue_code="2.b", category="2", taxonomy_version="ioa-urc-2007-v2",
        recorded_on=DAY,
    ),
    events.CaseServiceGiven(case_id=CASE, service="coaching", given_on=DAY),
    events.CaseStatusChanged(case_id=CASE, status="in_progress", changed_on=DAY),
    events.CaseClosed(case_id=CASE, closed_on=DAY, closure_reason="resolved", days_open=40),
    events.CaseSystemicIssueTagged(case_id=CASE, systemic_issue="leadership", tagged_on=DAY),
    events.CaseReferralMade(case_id=CASE, formal_channel="ethics_office", referred_on=DAY),
    events.CaseContactLogged(
        case_id=CASE, contacted_on=DAY, medium="video", duration_minutes=45,
        participants=["visitor", "ombudsman"],
    ),
    events.MediationOpened(
        mediation_id=MEDIATION, opened_on=DAY, pillar="unhcr", office="geneva",
        referral_source="dispute_tribunal", is_group=True, participant_count=3,
        issue_codes=["2.b", "4.a"], from_case=True,
    ),
    events.MediationAgreementRecorded(
        mediation_id=MEDIATION, recorded_on=DAY, parties_agreed=1, parties_total=2
    ),
    events.MediationPartyDeclined(mediation_id=MEDIATION, declined_on=DAY),
    events.MediationStarted(mediation_id=MEDIATION, started_on=DAY),
    events.MediationSessionHeld(mediation_id=MEDIATION, held_on=DAY, mode="remote"),
    events.MediationExtensionGranted(mediation_id=MEDIATION, granted_on=DAY, days=30),
    events.MediationClosed(
        mediation_id=MEDIATION, closed_on=DAY, outcome="settled", days_open=60,
        days_since_start=None,
    ),
    events.MediationContactLogged(
        mediation_id=MEDIATION, contacted_on=DAY, medium="phone", duration_minutes=20,
        participants=["mediator"],
    ),
    events.SystemicIssuePublished(
        entry_id=ENTRY, published_on=DAY, title="Fear of speaking out",
        observation="Staff hesitate to raise concerns.\nAcross offices.", category="leadership",
        offices=["nairobi"], pillars=["secretariat"], first_reported_year=2024,
        recommendation="Protect those who speak up.", management_response="Agreed.",
        status_by_year=[{"year": 2024, "status": "open"}],
    ),
    events.SystemicIssueWithdrawn(entry_id=ENTRY, withdrawn_on=DAY),
]  # fmt: skip


class _Leaky(CaseEvent):
    """An event that grew a field nobody decided about."""

    event_type: ClassVar[str] = "case.leaky"
    noted_on: events.Day
    visitor_name: str


def test_an_event_field_without_an_allow_list_decision_fails() -> None:
    with pytest.raises(Undecided, match=r"_Leaky\.visitor_name"):
        allow_list({"case.leaky": _Leaky})
    with pytest.raises(Undecided, match=r"_Leaky\.visitor_name"):
        projected_fields(_Leaky)


def test_a_field_decided_dropped_never_passes() -> None:
    class WithDropped(CaseEvent):
        event_type: ClassVar[str] = "case.with_dropped"
        noted_on: events.Day
        visitor_ref: Annotated[str, DROPPED]

    table = allow_list({"case.with_dropped": WithDropped})
    assert set(table["case.with_dropped"]) == {"case_id", "noted_on"}
    assert projected_fields(WithDropped) == {"case_key", "noted_month"}


def test_every_event_is_decided_field_by_field_and_the_allow_list_is_derived() -> None:
    assert {type(s) for s in SAMPLES} == set(EVENTS.values())
    assert set(ALLOW_LIST) == set(EVENTS)
    for event_type, model in EVENTS.items():
        decided = decisions(model)
        assert set(decided) == set(model.model_fields)
        passing = {s for s, d in decided.items() if d.shape is not Shape.DROPPED}
        assert set(ALLOW_LIST[event_type]) == passing, event_type
        assert {f.name for f in ALLOW_LIST[event_type].values()} == projected_fields(model)
    assert DURATIONS == {
        "case.closed": ("closed_on", ("days_open",)),
        "mediation.closed": ("closed_on", ("days_open", "days_since_start")),
    }


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.event_type)
def test_analytics_accepts_the_projection_of_every_event(event: events.Event) -> None:
    stored = json.loads(json.dumps(event.payload(), sort_keys=True))  # as the outbox keeps it
    projected = project(
        producer="mediation" if event.event_type.startswith("mediation.") else "cases",
        event_id=str(uuid.uuid4()), event_type=event.event_type, payload=stored,
        pseudonym=Pseudonymizer(b"k" * 32),
    )  # fmt: skip
    schema = PAYLOADS[event.event_type]
    assert set(schema.model_fields) == projected_fields(type(event))
    accepted = schema.model_validate(projected["payload"])
    aggregate = event.aggregate_id
    assert aggregate not in json.dumps(accepted.model_dump(mode="json"))
    assert all(not name.endswith("_on") for name in projected["payload"])


def test_the_wire_shape_is_the_documented_one() -> None:
    closed = events.CaseClosed(case_id=CASE, closed_on=DAY, closure_reason="resolved")
    # An optional field the producer leaves out stays out (an imported case has no duration).
    assert closed.payload() == {
        "case_id": CASE, "closed_on": "2025-03-14", "closure_reason": "resolved",
    }  # fmt: skip
    mediation = next(e for e in SAMPLES if isinstance(e, events.MediationClosed))
    assert mediation.payload()["days_since_start"] is None
    assert mediation.aggregate_id == MEDIATION
    # A field the model does not know is an error at the producer, not a silent extra.
    with pytest.raises(ValueError, match="Extra inputs"):
        events.CaseServiceGiven.model_validate(
            {"case_id": CASE, "service": "coaching", "given_on": DAY, "name": "Jonas"}
        )
    with pytest.raises(ValueError, match="service"):
        events.CaseServiceGiven.model_validate(
            {"case_id": CASE, "service": "counselling", "given_on": DAY}
        )


def _documented() -> dict[str, set[str]]:
    documented: dict[str, set[str]] = {}
    for line in (ROOT / "docs" / "events.md").read_text().splitlines():
        row = re.match(r"^\| `([a-z_]+\.[a-z_]+)` \| (.*) \|$", line)
        if row:
            fields = re.sub(r"\([^)]*\)", "", row.group(2))  # the explanations in brackets
            assert row.group(1) not in documented, f"{row.group(1)} is listed twice"
            documented[row.group(1)] = set(re.findall(r"`([a-z_]+)`", fields))
    return documented


def test_docs_events_md_lists_each_event_with_its_models_fields() -> None:
    documented = _documented()
    assert set(documented) == set(EVENTS)
    for event_type, model in EVENTS.items():
        assert documented[event_type] == set(model.model_fields), event_type


def test_docs_webhooks_md_lists_each_webhook_event_with_its_models_fields() -> None:
    """What a receiver reads in docs/webhooks.md is what the models send, and mediation
    offers subscriptions to exactly those events."""
    documented: dict[str, set[str]] = {}
    for line in (ROOT / "docs" / "webhooks.md").read_text().splitlines():
        row = re.match(r"^\| `([a-z_]+\.[a-z_]+)` \| (.*) \|$", line)
        if row:
            fields = set(re.findall(r"`([a-z_]+)`", row.group(2)))
            # "the same" as the row above
            documented[row.group(1)] = fields or documented[list(documented)[-1]]
    assert set(documented) == set(WEBHOOK_EVENTS) == {kind.value for kind in EventType}
    for event_type, model in WEBHOOK_EVENTS.items():
        assert documented[event_type] == set(model.model_fields), event_type
        assert event_type not in EVENTS  # never projected to analytics


def test_each_vocabulary_is_defined_once() -> None:
    """No enum is declared twice across the services and shared (a second copy drifts), and
    the vocabularies events carry live in ombuds_shared.vocabulary."""
    enum = re.compile(r"^class (\w+)\((?:Str)?Enum\):", re.MULTILINE)
    found: dict[str, list[str]] = {}
    for path in [*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("shared/src/**/*.py")]:
        for name in enum.findall(path.read_text()):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in found.items() if len(paths) > 1} == {}
    home = "shared/src/ombuds_shared/vocabulary.py"
    carried = {"CaseStatus", "ClosureReason", "Outcome", "ReferralSource", "FormalChannel",
               "SessionMode", "ServiceKind", "DeclineReason", "Pillar", "Location",
               "OccupationalGroup", "Tribunal", "ContactChannel"}  # fmt: skip
    assert {name: found.get(name) for name in carried} == {name: [home] for name in carried}


def test_no_event_can_carry_an_identity_or_free_text() -> None:
    """The canary at the source: text passes on the published register entry alone, every
    id passes as a pseudonym, and no field is named for a person or what they said."""
    personal = re.compile(
        r"(^|_)(names?|emails?|phones?|visitors?|party|subject|ref|reference|notes?|comments?"
        r"|address)(_|$)"
    )
    for event_type, model in EVENTS.items():
        for source, decision in decisions(model).items():
            assert not personal.search(source), f"{event_type}.{source}"
            if decision.shape is Shape.TEXT:
                assert event_type == "systemic_issue.published", f"{event_type}.{source}"
            if source.endswith("_id"):
                assert decision.shape is Shape.KEY, f"{event_type}.{source}"
                assert source == model.aggregate, f"{event_type}.{source}"


def test_analytics_takes_each_code_with_the_producers_vocabulary() -> None:
    checked = 0
    for event_type, model in EVENTS.items():
        for name, enum in projected_vocabularies(model).items():
            annotation = PAYLOADS[event_type].model_fields[name].annotation
            assert annotation is enum or enum in get_args(annotation), f"{event_type}.{name}"
            checked += 1
    assert checked >= 15
