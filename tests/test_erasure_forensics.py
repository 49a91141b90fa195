"""Forensics after a visitor's erasure and withdrawal (issue 19): with every byte the system
wrote and the master key, nothing of the erased matter or the withdrawn request comes back,
while the same carving finds all of a case that was kept. The carving is
tests/test_forensics.py's, blind to the records."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.request.submitter import submitter_tag
from intake.state import intake_state
from ombuds_shared.crypto import parse_master_keys
from ombuds_shared.dependencies import state_of

from .cases_helpers import handler
from .conftest import Stack, intake_body
from .test_forensics import (
    _analyze_postgres,
    _case_with_content,
    _everything_written,
    _sqlite_files,
    carve,
    settle_postgres,
)

KINDS = ("identity", "note", "consent")


async def _erase(stack: Stack, n: int, case_id: str) -> None:
    """Visitor n asks for their closed case to be erased; its handler confirms."""
    visitor = stack.auth("visitor", sub=f"visitor-{n}")
    mine = await stack.gateway.get("/v1/intake/requests", headers=visitor)
    (reference,) = [item["reference"] for item in mine.json()["items"]]
    asked = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/erasure-request", headers=visitor
    )
    assert asked.status_code == 202, asked.text
    confirmed = await stack.gateway.post(
        f"/v1/cases/{case_id}/erasure/confirm", headers=handler(stack)
    )
    assert confirmed.status_code == 200, confirmed.text


WITHDRAWN_NAME = "Withdrawn Visitor Qwertzova"


async def _withdraw(stack: Stack, sub: str) -> None:
    """A request submitted and withdrawn before triage: its identity goes at once."""
    visitor = stack.auth("visitor", sub=sub)
    body = intake_body(visitor={"name": WITHDRAWN_NAME, "email": "qwertzova@example.org"})
    submitted = await stack.gateway.post("/v1/intake/requests", json=body, headers=visitor)
    assert submitted.status_code == 201, submitted.text
    reference = submitted.json()["reference"]
    withdrawn = await stack.gateway.post(
        f"/v1/intake/requests/{reference}/withdraw", headers=visitor
    )
    assert withdrawn.status_code == 200, withdrawn.text


async def test_an_erased_matter_leaves_nothing_the_carving_can_recover(
    stack: Stack, master_keys: str
) -> None:
    erased = await _case_with_content(stack, 1, close=True)
    kept = await _case_with_content(stack, 2, close=True)  # closed too, but nobody asked
    await _analyze_postgres(stack)  # as autovacuum would, sooner or later
    await _erase(stack, 1, erased.case_id)
    await _withdraw(stack, "visitor-3")
    for name in ("intake", "cases"):
        url = str(state_of(stack.apps[name]).settings.resolved_key_store_url)
        if not url.startswith("sqlite"):
            await settle_postgres(url, "data_key")
    findings = carve(await _everything_written(stack), parse_master_keys(master_keys))

    def score(planted: object) -> dict[str, int]:
        counts = {"data key": int(f"case:{planted.case_id}" in findings.keys)}  # type: ignore[attr-defined]
        for kind in KINDS:
            counts[kind] = int(findings.recovered(planted.secrets()[kind]))  # type: ignore[attr-defined]
        return counts

    assert score(erased) == {"data key": 0, "identity": 0, "note": 0, "consent": 0}
    assert not findings.recovered(WITHDRAWN_NAME)
    # The same carving finds everything of the kept case: it would find the erased one.
    assert score(kept) == {"data key": 1, "identity": 1, "note": 1, "consent": 1}


async def test_an_erased_visitors_login_leaves_no_file(stack: Stack) -> None:
    """Not sealed but erased: the submitter's login subject, which the audit logs never take
    (they record the visitor's own steps as "visitor:self")."""
    if not state_of(stack.apps["intake"]).settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("the embedded default's files; PostgreSQL's dead rows: docs/operations.md")
    erased = await _case_with_content(stack, 1, close=True)
    await _case_with_content(stack, 2, close=True)
    visitor = stack.auth("visitor", sub="visitor-1")
    assert (await stack.gateway.get("/v1/intake/me", headers=visitor)).status_code == 200
    await _erase(stack, 1, erased.case_id)
    await _withdraw(stack, "visitor-3")
    blobs: dict[Path, bytes] = {path: path.read_bytes() for path in _sqlite_files(stack)}
    key = intake_state(stack.apps["intake"]).submitter_key
    for erased_login in ("visitor-1", "visitor-3"):  # erased, and withdrawn
        # Neither the login (never stored) nor the keyed tag intake kept of it.
        for trace in (erased_login.encode(), submitter_tag(key, erased_login).encode()):
            assert [p.name for p, blob in blobs.items() if trace in blob] == []
    # The same search finds the kept case's submitter, as a tag: it would find the erased one.
    assert any(submitter_tag(key, "visitor-2").encode() in blob for blob in blobs.values())
    assert not any(b"visitor-2" in blob for blob in blobs.values())
